package org.kith.node.search;

/**
 * How a match is scored and when it is good enough to show. The score adds the cosine similarity of the
 * question's and the passage's embeddings (meaning) to the normalised BM25 of the passage (the question's
 * words, so names, house numbers and rare words count), weighted: {@code cosine + lexicalWeight * bm25}.
 * A match scoring under {@code cutoff} is no answer; when nothing passes, the answer is "no good answer".
 *
 * <p>How {@link #HYBRID} and {@link #VECTOR_ONLY} were calibrated: {@code ./bench/run answers} scores the
 * evaluation set (bench/src/main/resources/org/kith/bench/answers/: 60 neighbourhood notes, 60 questions,
 * 12 of them with no answer in the set) with the real MiniLM model. For each ranking it tries every weight
 * from 0 to 1.5 by 0.05 and every cut-off from 0.15 to 0.70 by 0.01, and keeps the pair that gets most
 * questions right (the best passage first for an answerable question, "no good answer" for the others),
 * preferring the lower cut-off on a tie so that a real answer is rather shown than hidden. The figures it
 * printed are in the comments below. Recalibrate when the model changes (its weights hash is in the vault).
 */
public record Ranking(String name, float lexicalWeight, float cutoff) {
  /** Meaning and words. See the class comment for how the two numbers were found. */
  public static final Ranking HYBRID = new Ranking("hybrid", 0.60f, 0.36f);

  /** Meaning only (the cosine), with its own calibrated cut-off: the baseline of the evaluation. */
  public static final Ranking VECTOR_ONLY = new Ranking("vector", 0f, 0.36f);

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
