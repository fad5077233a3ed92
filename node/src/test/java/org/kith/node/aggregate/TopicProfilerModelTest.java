package org.kith.node.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.kith.node.TestModel;
import org.junit.jupiter.api.Test;

/** The profiler on embeddings from the real model (all-MiniLM-L6-v2). */
class TopicProfilerModelTest {
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

  @Test
  void profile_threeSubjects_givesThreeTopicsLabelledFromTheirOwnGroup() throws Exception {
    List<String> texts = new ArrayList<>();
    texts.addAll(Sentences.BIKES);
    texts.addAll(Sentences.GARDEN);
    texts.addAll(Sentences.CHILDCARE);
    List<ProfileInput> notes = inputs(texts);

    List<Topic> topics = new TopicProfiler(new SplittableRandom(42), 1.0).profile(notes);

    assertEquals(3, topics.size());
    List<Set<String>> groups =
        List.of(words(Sentences.BIKES), words(Sentences.GARDEN), words(Sentences.CHILDCARE));
    Set<Integer> matched = new HashSet<>();
    for (Topic t : topics) {
      int group = -1;
      for (int g = 0; g < groups.size(); g++) {
        if (groups.get(g).containsAll(t.labels())) {
          group = g;
        }
      }
      assertTrue(group >= 0, "labels from one group: " + t.labels());
      matched.add(group);
    }
    assertEquals(Set.of(0, 1, 2), matched);
  }
}
