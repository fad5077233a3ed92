package org.kith.node.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The profiler on synthetic vectors and texts, with seeded randomness. */
class TopicProfilerTest {
  private static final Pattern LOWERCASE_TOKEN = Pattern.compile("[\\p{Ll}\\p{N}]+");
  /** Noise so small that a count rounds to the exact one. */
  private static final double HUGE_EPSILON = 1e6;

  static float[] unit(double[] v) {
    return SphericalKMeans.normalise(v);
  }

  static double[] randomDirection(SplittableRandom r, int dims) {
    double[] v = new double[dims];
    for (int i = 0; i < dims; i++) {
      v[i] = r.nextGaussian();
    }
    return v;
  }

  /** A point near {@code centre}: the centre plus Gaussian jitter of the given size per dimension. */
  static float[] near(double[] centre, double jitter, SplittableRandom r) {
    double norm = Math.sqrt(Arrays.stream(centre).map(x -> x * x).sum());
    double[] v = new double[centre.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = centre[i] / norm + jitter * r.nextGaussian();
    }
    return unit(v);
  }

  /** A made-up word of letters only, distinct for each n. */
  static String word(String prefix, int n) {
    StringBuilder sb = new StringBuilder(prefix);
    do {
      sb.append((char) ('a' + n % 26));
      n /= 26;
    } while (n > 0);
    return sb.toString();
  }

  /**
   * {@code subjects} groups of {@code perSubject} notes: each group's vectors near one random direction,
   * each note naming its group's four words and one word of its own.
   */
  static List<ProfileInput> subjects(int subjects, int perSubject, int dims, SplittableRandom r) {
    List<ProfileInput> notes = new ArrayList<>();
    for (int s = 0; s < subjects; s++) {
      double[] centre = randomDirection(r, dims);
      for (int i = 0; i < perSubject; i++) {
        String text = "the " + word("sub", s) + " " + word("top", s) + " " + word("kin", s) + " "
            + word("mat", s) + " and " + word("uniq", s * perSubject + i) + ".";
        notes.add(new ProfileInput(text, near(centre, 0.02, r)));
      }
    }
    return notes;
  }

  static void assertWellFormed(List<Topic> topics, List<ProfileInput> notes) {
    assertTrue(topics.size() <= TopicProfiler.MAX_TOPICS, "topics: " + topics.size());
    for (Topic t : topics) {
      double norm2 = 0;
      for (float x : t.centroid()) {
        norm2 += (double) x * x;
      }
      assertEquals(1, Math.sqrt(norm2), 1e-4);
      assertTrue(t.labels().size() >= Topic.MIN_LABELS && t.labels().size() <= Topic.MAX_LABELS);
      assertEquals(t.labels().size(), new HashSet<>(t.labels()).size(), "distinct labels");
      for (String label : t.labels()) {
        assertTrue(LOWERCASE_TOKEN.matcher(label).matches(), label);
        long notesWithIt = notes.stream().filter(n -> TopicLabels.words(n.text()).contains(label)).count();
        assertTrue(notesWithIt >= 2, label + " in " + notesWithIt + " notes");
      }
      assertTrue(t.noisyCount() >= 0);
      assertEquals(Math.round(t.noisyCount() * 10), t.noisyCount() * 10, 1e-6, "one decimal");
    }
  }

  @Test
  void profile_fewerThanTwoNotes_isEmpty() {
    TopicProfiler p = new TopicProfiler(new SplittableRandom(1), 1.0);
    assertEquals(List.of(), p.profile(List.of()));
    assertEquals(List.of(), p.profile(subjects(1, 1, 16, new SplittableRandom(2))));
  }

  @Test
  void profile_twoNotesWithThreeSharedWords_isOneTopic() {
    SplittableRandom r = new SplittableRandom(3);
    List<ProfileInput> notes = subjects(1, 2, 16, r);
    List<Topic> topics = new TopicProfiler(r, HUGE_EPSILON).profile(notes);
    assertEquals(1, topics.size());
    assertEquals(2.0, topics.get(0).noisyCount());
    assertEquals(4, topics.get(0).labels().size());
  }

  @Test
  void profile_topicWithFewerThanThreeLabelWords_isDropped() {
    SplittableRandom r = new SplittableRandom(4);
    double[] centre = randomDirection(r, 16);
    List<ProfileInput> notes = List.of(
        new ProfileInput("bike chain squeaks", near(centre, 0.02, r)),
        new ProfileInput("bike chain rusty", near(centre, 0.02, r)),
        new ProfileInput("bike chain oiled", near(centre, 0.02, r)));
    assertEquals(List.of(), new TopicProfiler(r, 1.0).profile(notes));
  }

  @Test
  void profile_fortySubjects_atMostEightTopics() {
    SplittableRandom r = new SplittableRandom(5);
    List<ProfileInput> notes = subjects(40, 3, 32, r);
    List<Topic> topics = new TopicProfiler(r, 1.0).profile(notes);
    assertFalse(topics.isEmpty());
    assertWellFormed(topics, notes);
  }

  @Test
  void profile_singleNoteCluster_isDroppedAndItsVectorNotPublished() {
    SplittableRandom r = new SplittableRandom(6);
    List<ProfileInput> notes = new ArrayList<>(subjects(2, 5, 16, r));
    float[] outlier = unit(randomDirection(r, 16));
    notes.add(new ProfileInput("zanzibarine lone note, nothing like the others", outlier));

    TopicProfiler profiler = new TopicProfiler(new SplittableRandom(7), HUGE_EPSILON);
    SphericalKMeans.Clustering chosen = profiler.chooseClustering(
        notes.stream().map(ProfileInput::vector).toArray(float[][]::new));
    assertEquals(3, chosen.k(), "the outlier is a cluster of its own");

    List<Topic> topics = new TopicProfiler(new SplittableRandom(7), HUGE_EPSILON).profile(notes);
    assertEquals(List.of(5.0, 5.0), topics.stream().map(Topic::noisyCount).toList());
    for (Topic t : topics) {
      assertTrue(SphericalKMeans.dot(t.centroid(), outlier) < 0.9);
      assertFalse(t.labels().contains("zanzibarine"));
    }
  }

  @Test
  void profile_hugeEpsilon_countsWithinATenthOfTheTruth() {
    SplittableRandom r = new SplittableRandom(8);
    List<ProfileInput> notes = subjects(3, 4, 16, r);
    List<Topic> topics = new TopicProfiler(r, HUGE_EPSILON).profile(notes);
    assertEquals(3, topics.size());
    for (Topic t : topics) {
      assertEquals(4, t.noisyCount(), 0.1);
    }
  }

  @Test
  void profile_defaultEpsilon_countsAreNotTheTrueCounts() {
    SplittableRandom data = new SplittableRandom(9);
    List<ProfileInput> notes = subjects(3, 4, 16, data);
    int exact = 0;
    int total = 0;
    double sumAbsError = 0;
    for (int seed = 0; seed < 50; seed++) {
      for (Topic t : new TopicProfiler(new SplittableRandom(seed), TopicProfiler.DEFAULT_EPSILON)
          .profile(notes)) {
        total++;
        sumAbsError += Math.abs(t.noisyCount() - 4);
        if (t.noisyCount() == 4.0) {
          exact++;
        }
      }
    }
    assertEquals(150, total);
    // Laplace(1) rounded to 0.1 hits 0 with probability about 0.05; the mean error is about 1.
    assertTrue(exact < total / 4, "exact counts: " + exact + " of " + total);
    assertTrue(sumAbsError / total > 0.5, "mean error " + sumAbsError / total);
  }

  @Test
  void profile_sameSeed_sameProfile() {
    List<ProfileInput> notes = subjects(5, 4, 16, new SplittableRandom(10));
    List<Topic> a = new TopicProfiler(new SplittableRandom(11), 1.0).profile(notes);
    List<Topic> b = new TopicProfiler(new SplittableRandom(11), 1.0).profile(notes);
    assertFalse(a.isEmpty());
    assertEquals(a, b);
    assertNotEquals(a, new TopicProfiler(new SplittableRandom(12), 1.0).profile(notes));
  }

  @Test
  void profile_randomInputs_topicsAreWellFormed() {
    // A seeded property check: many shapes of input, every output within the rules.
    SplittableRandom r = new SplittableRandom(13);
    for (int trial = 0; trial < 60; trial++) {
      int dims = 4 + r.nextInt(40);
      List<ProfileInput> notes = new ArrayList<>();
      int groups = 1 + r.nextInt(12);
      for (int g = 0; g < groups; g++) {
        notes.addAll(subjects(1, 1 + r.nextInt(6), dims, r));
      }
      // Some notes of random words and directions.
      for (int i = r.nextInt(5); i > 0; i--) {
        notes.add(new ProfileInput(word("noise", r.nextInt(5)) + " " + word("noise", r.nextInt(5))
            + " http://x.example/" + r.nextInt(9) + " 12345", unit(randomDirection(r, dims))));
      }
      List<Topic> topics = new TopicProfiler(r, 0.1 + r.nextDouble() * 5).profile(notes);
      assertWellFormed(topics, notes);
    }
  }

  @Test
  void profile_bounds() {
    List<ProfileInput> many = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(14);
    for (int i = 0; i <= TopicProfiler.MAX_INPUT_NOTES; i++) {
      many.add(new ProfileInput("bike chain brake " + i, unit(randomDirection(r, 4))));
    }
    TopicProfiler p = new TopicProfiler(r, 1.0);
    var e = assertThrows(IllegalArgumentException.class, () -> p.profile(many));
    assertTrue(e.getMessage().contains("MAX_INPUT_NOTES"), e.getMessage());
    // Exactly the maximum is accepted.
    assertWellFormed(p.profile(many.subList(0, TopicProfiler.MAX_INPUT_NOTES)), many);
  }

  @Test
  void profile_badVectors_areRefused() {
    TopicProfiler p = new TopicProfiler(new SplittableRandom(15), 1.0);
    ProfileInput ok = new ProfileInput("a", new float[] {1, 0, 0});
    assertThrows(IllegalArgumentException.class,
        () -> p.profile(List.of(ok, new ProfileInput("b", new float[] {1, 0}))));
    assertThrows(IllegalArgumentException.class,
        () -> p.profile(List.of(ok, new ProfileInput("b", new float[] {0, 0, 0}))));
    assertThrows(IllegalArgumentException.class,
        () -> p.profile(List.of(ok, new ProfileInput("b", new float[] {Float.NaN, 0, 0}))));
    assertThrows(IllegalArgumentException.class, () -> p.profile(Arrays.asList(ok, null)));
    assertThrows(IllegalArgumentException.class, () -> new ProfileInput("a", new float[0]));
    for (double eps : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThrows(IllegalArgumentException.class, () -> new TopicProfiler(new SplittableRandom(1), eps));
    }
  }

  @Test
  void toString_holdsNoNoteTextOrLabels() {
    ProfileInput note = new ProfileInput("my zanzibarine diagnosis", new float[] {1, 0});
    assertFalse(note.toString().contains("zanzibarine"), note.toString());
    Topic t = new Topic(new float[] {1, 0}, List.of("bike", "chain", "zanzibarine"), 3.1);
    assertFalse(t.toString().contains("zanzibarine"), t.toString());
  }

  @Test
  void topic_invariants_areChecked() {
    float[] x = {1, 0};
    List<String> three = List.of("bbb", "ccc", "ddd");
    assertThrows(IllegalArgumentException.class, () -> new Topic(new float[] {2, 0}, three, 1));
    assertThrows(IllegalArgumentException.class, () -> new Topic(x, List.of("bbb", "ccc"), 1));
    assertThrows(IllegalArgumentException.class,
        () -> new Topic(x, List.of("bbb", "ccc", "ddd", "eee", "fff", "ggg"), 1));
    assertThrows(IllegalArgumentException.class, () -> new Topic(x, List.of("bbb", "ccc", "two words"), 1));
    assertThrows(IllegalArgumentException.class, () -> new Topic(x, List.of("bbb", "ccc", "Upper"), 1));
    assertThrows(IllegalArgumentException.class, () -> new Topic(x, three, -1));
    assertThrows(IllegalArgumentException.class, () -> new Topic(x, three, Double.NaN));
    float[] c = {1, 0};
    Topic t = new Topic(c, three, 1);
    c[0] = 0;
    t.centroid()[0] = 0;
    assertEquals(1f, t.centroid()[0], "the centroid is copied in and out");
  }
}
