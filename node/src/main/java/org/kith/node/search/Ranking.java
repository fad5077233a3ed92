package org.kith.node.search;

/**
 * How a match is scored and when it is good enough to show. The score adds the cosine similarity of the
 * question's and the passage's embeddings (meaning) to the normalised BM25 of the passage (the question's
 * words, so names, house numbers and rare words count), weighted: {@code cosine + lexicalWeight * bm25}.
 * A match scoring under {@code cutoff} is no answer; when nothing passes, the answer is "no good answer".
 *
 * <p>How {@link #HYBRID} and {@link #VECTOR_ONLY} were calibrated: {@code ./bench/run answers} scores the
 * evaluation set (bench/src/main/resources/org/kith/bench/answers/: 60 notes of a made-up neighbourhood, 69
 * questions worded unlike the notes, 12 of them with no answer in the set) with the real MiniLM model. For
 * each ranking it tries every weight from 0 to 1.5 by 0.05 and every cut-off from 0.15 to 0.70 by 0.01, and
 * keeps the pair worth most: one point for each question right (the note that answers first and above the
 * cut-off, or "no good answer" when none does), one more for each answer shown, since an answer hidden costs
 * more than a weak one shown, which a person can judge. On a tie, the lowest weight, then the lowest cut-off.
 * The set is small and ours: read its figures as a guard against getting worse, not as a promise. With this
 * model, a question the model barely links to its note ("how do I mend a puncture" to "I can patch inner tubes,
 * fix a flat tyre": cosine 0.21) falls under the cut-off, as "sourdough starter" to a compost note (0.20) must.
 * Recalibrate when the model changes (its weights hash is in the vault).
 */
public record Ranking(String name, float lexicalWeight, float cutoff) {
  /**
   * Meaning and words. Calibrated on all-MiniLM-L6-v2 (quantized): 63 of 69 questions right; recall@1 0.96,
   * recall@3 0.98, "no good answer" precision 0.82 and recall 0.75.
   */
  public static final Ranking HYBRID = new Ranking("hybrid", 0.35f, 0.30f);

  /**
   * Meaning only (the cosine), with its own calibrated cut-off: the baseline of the evaluation. 59 of 69
   * right; recall@1 0.93, recall@3 0.98, "no good answer" precision 0.73 and recall 0.67.
   */
  public static final Ranking VECTOR_ONLY = new Ranking("vector", 0f, 0.29f);

  public Ranking {
    if (!(lexicalWeight >= 0) || !(cutoff > -1 && cutoff < 2)) {
      throw new IllegalArgumentException("bad ranking: weight " + lexicalWeight + ", cut-off " + cutoff);
    }
  }

  public float score(float cosine, float lexical) {
    return cosine + lexicalWeight * lexical;
  }

  public boolean good(float score) {
    return score >= cutoff;
  }
}
