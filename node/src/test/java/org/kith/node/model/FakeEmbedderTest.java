package org.kith.node.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FakeEmbedderTest {
  @Test
  void sharedWords_scoreHigher_andOutputIsDeterministicUnitLength() {
    try (FakeEmbedder e = new FakeEmbedder()) {
      float[] a = e.embed("fix a flat bicycle tyre");
      float[] b = e.embed("the bicycle tyre is flat");
      float[] c = e.embed("sourdough bread recipe");
      assertTrue(MiniLmEmbedderTest.cosine(a, b) > MiniLmEmbedderTest.cosine(a, c));
      assertArrayEquals(a, e.embed("fix a flat bicycle tyre"));
      assertEquals(1.0, MiniLmEmbedderTest.norm(e.embed("")), 1e-6);
      assertEquals(2, e.embedBatch(List.of("x", "y")).size());
      assertEquals(384, a.length);
    }
  }
}
