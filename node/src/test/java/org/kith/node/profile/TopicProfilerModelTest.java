package org.kith.node.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kith.node.TestModel;

/** The profiler on embeddings from the real model (all-MiniLM-L6-v2). */
class TopicProfilerModelTest {
  private static final List<List<String>> GROUPS =
      List.of(Sentences.BIKES, Sentences.GARDEN, Sentences.CHILDCARE);
  private static List<ProfileInput> notes;

  @BeforeAll
  static void embed() throws Exception {
    List<String> texts = new ArrayList<>();
    GROUPS.forEach(texts::addAll);
    notes = inputs(texts);
  }

  static List<ProfileInput> inputs(List<String> texts) throws Exception {
    List<float[]> vectors = TestModel.real().embedBatch(texts);
    List<ProfileInput> out = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      out.add(new ProfileInput(texts.get(i), vectors.get(i)));
    }
    return out;
  }

  static Set<String> words(List<String> texts) {
    Set<String> all = new HashSet<>();
    for (String t : texts) {
      all.addAll(TopicLabels.words(t));
    }
    return all;
  }

  /** Asserts one topic per group, each labelled only with words of its own group and of no other. */
  static void assertOneTopicPerGroup(List<Topic> topics) {
    assertEquals(3, topics.size(), () -> topics.stream().map(Topic::labels).toList().toString());
    Set<Integer> matched = new HashSet<>();
    for (Topic t : topics) {
      List<Integer> groups = new ArrayList<>();
      for (int g = 0; g < GROUPS.size(); g++) {
        if (words(GROUPS.get(g)).containsAll(t.labels())) {
          groups.add(g);
        }
      }
      assertEquals(1, groups.size(), "labels from exactly one group: " + t.labels());
      matched.add(groups.get(0));
    }
    assertEquals(Set.of(0, 1, 2), matched);
  }

  @Test
  void profile_threeSubjects_givesThreeTopicsLabelledFromTheirOwnGroup() {
    assertOneTopicPerGroup(new TopicProfiler(new SplittableRandom(42), 1.0).profile(notes));
  }

  @Test
  void profile_threeSubjects_holdsForManySeeds() {
    for (int seed = 0; seed < 20; seed++) {
      assertOneTopicPerGroup(new TopicProfiler(new SplittableRandom(seed), 1.0).profile(notes));
    }
  }

  @Test
  void profile_sameSeed_sameTopics() {
    List<Topic> a = new TopicProfiler(new SplittableRandom(42), 1.0).profile(notes);
    List<Topic> b = new TopicProfiler(new SplittableRandom(42), 1.0).profile(notes);
    assertEquals(a, b);
  }

  @Test
  void profile_wordOfOneNote_isNeverALabel() throws Exception {
    List<String> texts = new ArrayList<>();
    GROUPS.forEach(texts::addAll);
    // The planted word is the most distinctive word of its cluster, and said three times in its note.
    texts.set(1, "Zanzibarine: fixed a flat bike tire for zanzibarine, patched the tube (zanzibarine).");
    texts.set(13, "Zanzibarine diagnosis for the toddler; the child naps after lunch.");
    List<ProfileInput> planted = inputs(texts);
    for (int seed = 0; seed < 10; seed++) {
      List<Topic> topics = new TopicProfiler(new SplittableRandom(seed), 1.0).profile(planted);
      assertFalse(topics.isEmpty());
      for (Topic t : topics) {
        assertFalse(t.labels().contains("zanzibarine"), t.labels().toString());
        assertFalse(t.labels().contains("diagnosis"), t.labels().toString());
      }
    }
  }

  @Test
  void profile_realVectors_centroidsAreUnitAndLabelsLowercaseWords() {
    for (Topic t : new TopicProfiler(new SplittableRandom(3), 1.0).profile(notes)) {
      assertEquals(384, t.centroid().length);
      double norm2 = 0;
      for (float x : t.centroid()) {
        norm2 += (double) x * x;
      }
      assertEquals(1, Math.sqrt(norm2), 1e-4);
      for (String label : t.labels()) {
        assertTrue(label.matches("[a-z]+"), label);
      }
    }
  }
}
