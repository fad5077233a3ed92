package org.kith.bench.answers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.model.MiniLmEmbedder;
import org.kith.node.notes.Note;
import org.kith.node.search.NoteSearch;
import org.kith.node.search.Ranking;
import org.kith.storage.KdfProfile;

/**
 * Search quality you can measure (issue 12): a made-up neighbourhood of 60 notes and questions people would
 * ask about it, worded differently from the notes, some with no answer in the set (resources
 * org/kith/bench/answers/). Every question goes through the node's own search with the real MiniLM model;
 * vector-only and hybrid (vector + BM25) are scored side by side: recall@1 and recall@3 over the answerable
 * questions, and the precision (and recall) of "no good answer" with each ranking's cut-off.
 *
 * <p>It also recalibrates: for each ranking it searches the weight of BM25 and the cut-off that get most
 * questions right, and prints them ({@code # calibrated ...} on stderr). {@link Ranking} says how they were
 * used. The figures of the calibrated pair are printed too, as {@code answers_calibrated_*}.
 */
public final class AnswersBenchmark implements Benchmark {
  private static final char[] PASS = "answers-benchmark".toCharArray();
  private static final String NONE = "-";

  @Override
  public String name() {
    return "answers";
  }

  /** A question, the id of the note that answers it (or "-") and, per note id, its cosine and BM25. */
  record Scored(String question, String expected, Map<String, float[]> notes) {}

  @Override
  public void run(boolean quick, Report report) throws Exception {
    Map<String, String> notes = notes();
    List<String[]> questions = questions();
    Path scratch = Files.createTempDirectory(Path.of(System.getProperty("kith.bench.scratch",
        System.getProperty("java.io.tmpdir"))), "answers");
    List<Scored> scored = new ArrayList<>();
    Home home = new Home(scratch.resolve("home"));
    KithNode.Options o = KithNode.Options.of(MiniLmEmbedder::load).withoutAutoSync()
        .withKdf(KdfProfile.TESTING_ONLY_INSECURE);
    KithNode.init(home, PASS, "bench", o).close();
    try (KithNode node = KithNode.open(home, PASS, o)) {
      Map<String, String> idOf = new HashMap<>();
      for (Map.Entry<String, String> e : notes.entrySet()) {
        Note n = node.notes().add(e.getValue(), List.of());
        idOf.put(n.id().hex(), e.getKey());
      }
      for (String[] q : questions) {
        float[] v = node.model().embed(q[1]);
        Map<String, float[]> byNote = new HashMap<>();
        // Every note, with both its cosine and its BM25: any weighting can then be scored here.
        for (NoteSearch.Match m : node.search().rank(q[1], v, notes.size(), Ranking.HYBRID)) {
          byNote.put(idOf.get(m.note().id().hex()), new float[] {m.cosine(), m.lexical()});
        }
        scored.add(new Scored(q[1], q[0], byNote));
      }
      for (String[] q : questions.subList(0, Math.min(3, questions.size()))) {
        NoteSearch.Result r = node.search().search(q[1], 1);
        System.err.println("# \"" + q[1] + "\" -> " + (r.noGoodAnswer() ? "no good answer"
            : r.matches().isEmpty() ? "nothing" : r.matches().get(0).note().title() + ": "
                + r.matches().get(0).passage().text()));
      }
    }
    for (Ranking r : List.of(Ranking.VECTOR_ONLY, Ranking.HYBRID)) {
      Figures f = figures(scored, r.lexicalWeight(), r.cutoff());
      f.report(report, "answers_" + r.name());
    }
    Ranking bestVector = calibrate(scored, false);
    Ranking bestHybrid = calibrate(scored, true);
    for (Scored sc : scored) {
      // What the shipped hybrid ranking gets wrong, to read (the questions are ours, not anyone's data).
      String top = null;
      float best = Float.NEGATIVE_INFINITY;
      for (Map.Entry<String, float[]> e : sc.notes().entrySet()) {
        float v = score(e.getValue(), Ranking.HYBRID.lexicalWeight());
        if (v > best) {
          best = v;
          top = e.getKey();
        }
      }
      boolean none = !Ranking.HYBRID.good(best);
      boolean right = sc.expected().equals(NONE) ? none : !none && sc.expected().equals(top);
      if (!right) {
        System.err.printf(Locale.ROOT, "# hybrid miss: \"%s\" -> %s %.3f, expected %s%n", sc.question(),
            none ? "no good answer, best" : "", best, sc.expected() + (none ? "" : " (top: " + top + ")"));
      }
    }
    for (Ranking r : List.of(bestVector, bestHybrid)) {
      System.err.printf(Locale.ROOT, "# calibrated %s: lexical weight %.2f, cut-off %.2f%n", r.name(),
          r.lexicalWeight(), r.cutoff());
      figures(scored, r.lexicalWeight(), r.cutoff()).report(report, "answers_calibrated_" + r.name());
    }
    // The trade-off the cut-off makes, to read: answers shown against unanswerable questions let through.
    for (int ci = 20; ci <= 36; ci += 2) {
      float c = ci / 100f;
      Figures f = figures(scored, Ranking.HYBRID.lexicalWeight(), c);
      System.err.printf(Locale.ROOT, "# hybrid cut-off %.2f: %d right (%d answered), no-answer precision %.2f"
          + " recall %.2f%n", c, f.correct(), f.answered(), f.noAnswerPrecision(), f.noAnswerRecall());
    }
    report.count("answers_questions", scored.size(), "questions");
    report.count("answers_unanswerable", scored.stream().filter(s -> s.expected().equals(NONE)).count(),
        "questions");
  }

  /** What one ranking gets right. */
  record Figures(double recallAt1, double recallAt3, double noAnswerPrecision, double noAnswerRecall,
      int correct, int answered) {
    /** What calibration maximises: an answer hidden costs twice a weak one shown (that one can be judged). */
    int worth() {
      return correct + answered;
    }

    void report(Report r, String prefix) {
      r.figure(prefix + "_recall_at_1", recallAt1, "fraction");
      r.figure(prefix + "_recall_at_3", recallAt3, "fraction");
      r.figure(prefix + "_no_answer_precision", noAnswerPrecision, "fraction");
      r.figure(prefix + "_no_answer_recall", noAnswerRecall, "fraction");
      r.count(prefix + "_right", correct, "questions");
    }
  }

  static Figures figures(List<Scored> scored, float weight, float cutoff) {
    int answerable = 0;
    int at1 = 0;
    int at3 = 0;
    int saidNone = 0;
    int saidNoneRightly = 0;
    int unanswerable = 0;
    int correct = 0;
    int answered = 0;
    for (Scored s : scored) {
      List<Map.Entry<String, float[]>> ranked = new ArrayList<>(s.notes().entrySet());
      ranked.sort((a, b) -> {
        int c = Float.compare(score(b.getValue(), weight), score(a.getValue(), weight));
        return c != 0 ? c : a.getKey().compareTo(b.getKey());
      });
      boolean none = ranked.isEmpty() || score(ranked.get(0).getValue(), weight) < cutoff;
      boolean unans = s.expected().equals(NONE);
      if (none) {
        saidNone++;
        saidNoneRightly += unans ? 1 : 0;
      }
      if (unans) {
        unanswerable++;
        correct += none ? 1 : 0;
        continue;
      }
      answerable++;
      for (int i = 0; i < Math.min(3, ranked.size()); i++) {
        if (ranked.get(i).getKey().equals(s.expected())) {
          at1 += i == 0 ? 1 : 0;
          at3++;
          correct += i == 0 && !none ? 1 : 0;
          answered += i == 0 && !none ? 1 : 0;
        }
      }
    }
    return new Figures((double) at1 / answerable, (double) at3 / answerable,
        saidNone == 0 ? 1 : (double) saidNoneRightly / saidNone,
        unanswerable == 0 ? 1 : (double) saidNoneRightly / unanswerable, correct, answered);
  }

  private static float score(float[] cosLex, float weight) {
    return cosLex[0] + weight * cosLex[1];
  }

  /**
   * The weight and cut-off worth most ({@link Figures#worth}: questions right, an answer shown counting twice);
   * on a tie the lowest weight, then the lowest cut-off.
   */
  static Ranking calibrate(List<Scored> scored, boolean hybrid) {
    Ranking best = null;
    int bestRight = -1;
    for (int wi = 0; wi <= (hybrid ? 30 : 0); wi++) {
      float w = wi * 0.05f;
      for (int ci = 15; ci <= 70; ci++) {
        float c = ci / 100f;
        int right = figures(scored, w, c).worth();
        if (right > bestRight) {
          bestRight = right;
          best = new Ranking(hybrid ? "hybrid" : "vector", w, c);
        }
      }
    }
    return best;
  }

  static Map<String, String> notes() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    String id = null;
    StringBuilder text = new StringBuilder();
    for (String line : resource("notes.txt").split("\n", -1)) {
      if (line.startsWith("=== ")) {
        if (id != null) {
          out.put(id, text.toString().strip());
        }
        id = line.substring(4).strip();
        text.setLength(0);
      } else if (id != null) {
        text.append(line).append('\n');
      }
    }
    if (id != null) {
      out.put(id, text.toString().strip());
    }
    return out;
  }

  static List<String[]> questions() throws IOException {
    List<String[]> out = new ArrayList<>();
    for (String line : resource("questions.tsv").split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\t", 2);
      if (parts.length != 2) {
        throw new IOException("questions.tsv: not \"id<TAB>question\": " + line);
      }
      out.add(new String[] {parts[0].strip(), parts[1].strip()});
    }
    return out;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = AnswersBenchmark.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
