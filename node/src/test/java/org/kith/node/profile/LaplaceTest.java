package org.kith.node.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class LaplaceTest {
  private static final int SAMPLES = 200_000;

  /** A generator that returns the given doubles in turn. */
  static RandomGenerator fixed(double... values) {
    return new RandomGenerator() {
      private int next;

      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public double nextDouble() {
        return values[next++];
      }
    };
  }

  @Test
  void sample_200kDraws_meanIsZeroAndMeanAbsoluteIsScale() {
    double scale = 2.5;
    RandomGenerator random = new SplittableRandom(7);
    double sum = 0;
    double sumAbs = 0;
    int negative = 0;
    for (int i = 0; i < SAMPLES; i++) {
      double x = Laplace.sample(random, scale);
      assertTrue(Double.isFinite(x));
      sum += x;
      sumAbs += Math.abs(x);
      if (x < 0) {
        negative++;
      }
    }
    // Standard errors: mean sqrt(2) * scale / sqrt(n) ~ 0.008, mean |x| scale / sqrt(n) ~ 0.0056.
    assertEquals(0, sum / SAMPLES, 0.02 * scale);
    assertEquals(scale, sumAbs / SAMPLES, 0.02 * scale);
    assertEquals(0.5, (double) negative / SAMPLES, 0.01);
  }

  @Test
  void sample_knownQuantiles_matchTheInverseCdf() {
    // F^-1(0.25) = scale * ln(0.5), F^-1(0.75) = -scale * ln(0.5), F^-1(0.5) = 0.
    assertEquals(3 * Math.log(0.5), Laplace.sample(fixed(0.25), 3), 1e-12);
    assertEquals(-3 * Math.log(0.5), Laplace.sample(fixed(0.75), 3), 1e-12);
    assertEquals(0, Laplace.sample(fixed(0.5), 3), 1e-12);
  }

  @Test
  void sample_uniformAtTheEnds_staysFinite() {
    // 0.0 would give -infinity, so it is drawn again; the largest double below 1 gives a large finite value.
    assertEquals(0, Laplace.sample(fixed(0.0, 0.5), 1), 1e-12);
    double top = Laplace.sample(fixed(Math.nextDown(1.0)), 1);
    assertTrue(Double.isFinite(top) && top > 30, "top: " + top);
    double bottom = Laplace.sample(fixed(Double.MIN_VALUE), 1);
    assertTrue(Double.isFinite(bottom) && bottom < -700, "bottom: " + bottom);
  }

  @Test
  void sample_badScale_isRefused() {
    RandomGenerator random = new SplittableRandom(1);
    for (double scale : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      var e = assertThrows(IllegalArgumentException.class, () -> Laplace.sample(random, scale));
      assertTrue(e.getMessage().contains("scale"), e.getMessage());
    }
    assertThrows(NullPointerException.class, () -> Laplace.sample(null, 1));
  }
}
