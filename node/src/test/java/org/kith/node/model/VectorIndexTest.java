package org.kith.node.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class VectorIndexTest {
  /** Scores may differ from the brute force's by float summation order, never by more. */
  private static final float EPS = 1e-5f;

  static float[] randomVector(Random rnd, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }

  static byte[] id(int i) {
    return ByteBuffer.allocate(4).putInt(i).array();
  }

  static float[] unit(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    float[] u = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      u[i] = (float) (v[i] / Math.sqrt(s));
    }
    return u;
  }

  static float dot(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d += (double) a[i] * b[i];
    }
    return (float) d;
  }

  /** Checks {@code hits} is a correct top-k of {@code model} for {@code query}, up to float rounding. */
  static void assertTopK(Map<ByteBuffer, float[]> model, float[] query, int k, List<Hit> hits) {
    float[] q = unit(query);
    assertEquals(Math.min(k, model.size()), hits.size());
    Set<ByteBuffer> returned = new HashSet<>();
    float lowest = Float.POSITIVE_INFINITY;
    for (int i = 0; i < hits.size(); i++) {
      Hit h = hits.get(i);
      ByteBuffer key = ByteBuffer.wrap(h.id());
      assertTrue(returned.add(key), "duplicate hit " + h);
      float[] v = model.get(key);
      assertTrue(v != null, "hit for an id not stored: " + h);
      assertEquals(dot(unit(v), q), h.score(), EPS, "score of " + h);
      if (i > 0) {
        Hit prev = hits.get(i - 1);
        assertTrue(prev.score() > h.score()
            || (prev.score() == h.score() && Arrays.compareUnsigned(prev.id(), h.id()) < 0),
            "order at " + i + ": " + prev + " then " + h);
      }
      lowest = Math.min(lowest, h.score());
    }
    for (Map.Entry<ByteBuffer, float[]> e : model.entrySet()) {
      if (!returned.contains(e.getKey())) {
        float s = dot(unit(e.getValue()), q);
        assertTrue(s <= lowest + EPS, "missed a better vector: " + s + " > " + lowest);
      }
    }
  }

  @Test
  void topK_matchesBruteForce_onRandomVectors() {
    Random rnd = new Random(42);
    int dim = 384;
    VectorIndex index = new VectorIndex(dim);
    Map<ByteBuffer, float[]> model = new LinkedHashMap<>();
    for (int i = 0; i < 5000; i++) {
      float[] v = randomVector(rnd, dim);
      index.put(id(i), v);
      model.put(ByteBuffer.wrap(id(i)), v);
    }
    for (int t = 0; t < 20; t++) {
      float[] q = randomVector(rnd, dim);
      for (int k : new int[] {1, 10, 100}) {
        assertTopK(model, q, k, index.topK(q, k));
      }
    }
    // A stored vector is its own best match, with cosine 1.
    List<Hit> self = index.topK(model.get(ByteBuffer.wrap(id(7))), 1);
    assertArrayEquals(id(7), self.get(0).id());
    assertEquals(1f, self.get(0).score(), EPS);
  }

  static LongStream seeds() {
    return LongStream.range(0, 200);
  }

  /**
   * Random puts (some of the zero vector, some of few directions, so exact ties happen) and removes, then one
   * query, against a brute-force model. Everything comes from {@code new Random(seed)}; dimensions, operation
   * count and k include their bounds, and even seeds use the two-stage scan.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomPutsAndRemoves_matchBruteForce(long seed) {
    Random rnd = new Random(seed);
    int dim = withEdges(rnd, 1, 40);
    int ops = withEdges(rnd, 0, 300);
    int k = withEdges(rnd, 0, 50);
    boolean twoStage = seed % 2 == 0;
    String context = "seed " + seed + " (dim " + dim + ", ops " + ops + ", k " + k + ", twoStage " + twoStage + ")";
    try {
      VectorIndex index = new VectorIndex(dim, twoStage ? 0 : Integer.MAX_VALUE);
      Map<ByteBuffer, float[]> model = new LinkedHashMap<>();
      for (int i = 0; i < ops; i++) {
        int key = rnd.nextInt(60);
        if (rnd.nextInt(4) == 0) {
          assertEquals(model.remove(ByteBuffer.wrap(id(key))) != null, index.remove(id(key)));
        } else {
          // Few distinct directions, so exact ties between different ids happen.
          float[] v = rnd.nextInt(3) == 0 ? new float[dim] : randomVector(rnd, dim);
          if (v[0] == 0) {
            v[rnd.nextInt(dim)] = 1 + rnd.nextInt(2);
          }
          index.put(id(key), v);
          model.put(ByteBuffer.wrap(id(key)), v);
        }
        assertEquals(model.size(), index.size());
      }
      float[] q = randomVector(rnd, dim);
      assertTopK(model, q, k, index.topK(q, k));
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError(context + ": " + e, e);
    }
  }

  /** {@code min} or {@code max} one time in eight each, else uniform in between. */
  private static int withEdges(Random rnd, int min, int max) {
    int r = rnd.nextInt(8);
    return r == 0 ? min : r == 1 ? max : min + rnd.nextInt(max - min + 1);
  }

  @Test
  void twoStage_isExact_onClusteredVectors() {
    // Near-duplicates crowd the scores together, so the prefilter's bound decides many rows.
    Random rnd = new Random(3);
    int dim = 384;
    VectorIndex index = new VectorIndex(dim, 0);
    Map<ByteBuffer, float[]> model = new LinkedHashMap<>();
    float[][] centres = new float[5][];
    for (int c = 0; c < centres.length; c++) {
      centres[c] = randomVector(rnd, dim);
    }
    for (int i = 0; i < 3000; i++) {
      float[] v = centres[i % centres.length].clone();
      for (int j = 0; j < dim; j++) {
        v[j] += (float) (rnd.nextGaussian() * (i % 3 == 0 ? 0.001 : 0.05));
      }
      if (i % 7 == 0) {
        v = centres[0].clone();
      }
      index.put(id(i), v);
      model.put(ByteBuffer.wrap(id(i)), v);
    }
    for (int t = 0; t < 10; t++) {
      float[] q = t % 2 == 0 ? centres[t % centres.length].clone() : randomVector(rnd, dim);
      q[t] += 0.01f;
      for (int k : new int[] {1, 10, 500}) {
        assertTopK(model, q, k, index.topK(q, k));
      }
    }
  }

  @Test
  void twoStage_andPlainScan_returnTheSameHits() {
    Random rnd = new Random(11);
    int dim = 384;
    VectorIndex plain = new VectorIndex(dim, Integer.MAX_VALUE);
    VectorIndex twoStage = new VectorIndex(dim, 0);
    for (int i = 0; i < 6000; i++) {
      float[] v = randomVector(rnd, dim);
      plain.put(id(i), v);
      twoStage.put(id(i), v);
    }
    for (int i = 0; i < 6000; i += 3) {
      plain.remove(id(i));
      twoStage.remove(id(i));
    }
    for (int t = 0; t < 20; t++) {
      float[] q = randomVector(rnd, dim);
      assertEquals(plain.topK(q, 10), twoStage.topK(q, 10));
    }
  }

  @Test
  void ties_areBrokenById() {
    VectorIndex index = new VectorIndex(3);
    index.put(new byte[] {(byte) 0x90}, new float[] {1, 0, 0});
    index.put(new byte[] {0x10}, new float[] {2, 0, 0});
    index.put(new byte[] {0x10, 0}, new float[] {3, 0, 0});
    index.put(new byte[] {0x05}, new float[] {0, 1, 0});
    List<Hit> hits = index.topK(new float[] {1, 0, 0}, 4);
    assertArrayEquals(new byte[] {0x10}, hits.get(0).id());
    assertArrayEquals(new byte[] {0x10, 0}, hits.get(1).id());
    assertArrayEquals(new byte[] {(byte) 0x90}, hits.get(2).id());
    assertArrayEquals(new byte[] {0x05}, hits.get(3).id());
    assertEquals(0f, hits.get(3).score(), EPS);
  }

  @Test
  void remove_and_replace() {
    VectorIndex index = new VectorIndex(2);
    index.put(id(1), new float[] {1, 0});
    index.put(id(2), new float[] {0, 1});
    index.put(id(3), new float[] {1, 1});
    assertEquals(3, index.size());
    assertTrue(index.remove(id(1)));
    assertFalse(index.remove(id(1)));
    assertFalse(index.remove(id(99)));
    assertEquals(2, index.size());
    assertArrayEquals(id(3), index.topK(new float[] {1, 0}, 1).get(0).id());
    index.put(id(2), new float[] {1, 0});
    assertEquals(2, index.size());
    Hit best = index.topK(new float[] {1, 0}, 1).get(0);
    assertArrayEquals(id(2), best.id());
    assertEquals(1f, best.score(), EPS);
  }

  @Test
  void kLargerThanSize_returnsEverything_andEmptyIndexReturnsNothing() {
    VectorIndex index = new VectorIndex(4);
    assertEquals(List.of(), index.topK(new float[] {1, 2, 3, 4}, 10));
    assertEquals(0, index.size());
    index.put(id(1), new float[] {1, 0, 0, 0});
    index.put(id(2), new float[] {0, 1, 0, 0});
    assertEquals(2, index.topK(new float[] {1, 2, 3, 4}, 10).size());
    assertEquals(List.of(), index.topK(new float[] {1, 2, 3, 4}, 0));
  }

  @Test
  void badInput_isRefused_withAReason() {
    VectorIndex index = new VectorIndex(3);
    assertThrows(IllegalArgumentException.class, () -> index.put(id(1), new float[] {1, 2}));
    assertThrows(IllegalArgumentException.class, () -> index.put(id(1), new float[] {0, 0, 0}));
    assertThrows(IllegalArgumentException.class, () -> index.put(id(1), new float[] {Float.NaN, 0, 1}));
    assertThrows(IllegalArgumentException.class, () -> index.put(new byte[0], new float[] {1, 0, 0}));
    assertThrows(IllegalArgumentException.class, () -> index.topK(new float[] {1, 0, 0}, -1));
    assertThrows(IllegalArgumentException.class, () -> index.topK(new float[] {1, 0}, 1));
    assertThrows(IllegalArgumentException.class, () -> new VectorIndex(0));
    assertEquals(0, index.size());
  }

  @Test
  void putCopiesTheIdAndVector() {
    VectorIndex index = new VectorIndex(2);
    byte[] key = id(5);
    float[] v = {1, 0};
    index.put(key, v);
    key[0] = 9;
    v[0] = -1;
    Hit h = index.topK(new float[] {1, 0}, 1).get(0);
    assertArrayEquals(id(5), h.id());
    assertEquals(1f, h.score(), EPS);
  }

  @Test
  void concurrentReadsAndWrites_stayConsistent() throws Exception {
    int dim = 64;
    VectorIndex index = new VectorIndex(dim);
    Random seedRnd = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      index.put(id(i), randomVector(seedRnd, dim));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int writer = w;
        futures.add(pool.submit(() -> {
          Random rnd = new Random(100 + writer);
          for (int i = 0; i < 2000; i++) {
            int key = 20_000 + writer * 10_000 + rnd.nextInt(500);
            if (rnd.nextBoolean()) {
              index.put(id(key), randomVector(rnd, dim));
            } else {
              index.remove(id(key));
            }
          }
        }));
      }
      for (int r = 0; r < 2; r++) {
        int reader = r;
        futures.add(pool.submit(() -> {
          Random rnd = new Random(200 + reader);
          for (int i = 0; i < 50; i++) {
            List<Hit> hits = index.topK(randomVector(rnd, dim), 10);
            assertEquals(10, hits.size());
            for (int j = 1; j < hits.size(); j++) {
              assertTrue(hits.get(j - 1).score() >= hits.get(j).score());
            }
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(index.size() >= 20_000);
  }
}
