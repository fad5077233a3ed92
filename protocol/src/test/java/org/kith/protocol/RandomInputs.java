package org.kith.protocol;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.function.Executable;

/**
 * Seeded random inputs for property tests written as JUnit parameterized tests: each case gets a seed, builds
 * {@code new Random(seed)}, and every failure names the seed, so {@code new Random(thatSeed)} replays it.
 * Lengths and values lean towards the edges (empty, one, the maximum), as a property-testing library's would.
 */
public final class RandomInputs {
  private RandomInputs() {}

  /** Seeds {@code 0 .. count-1}. */
  public static LongStream seeds(int count) {
    return LongStream.range(0, count);
  }

  /**
   * A length in {@code [min, max]}: one in eight each of min, min+1 and max, one in four up to min+16, the
   * rest uniform.
   */
  public static int length(Random random, int min, int max) {
    if (min < 0 || max < min) {
      throw new IllegalArgumentException("bad range: [" + min + ", " + max + "]");
    }
    int r = random.nextInt(8);
    if (r == 0) {
      return min;
    } else if (r == 1) {
      return Math.min(min + 1, max);
    } else if (r == 2) {
      return max;
    } else if (r < 5) {
      return min + random.nextInt(Math.min(16, max - min) + 1);
    }
    return min + random.nextInt(max - min + 1);
  }

  /** A byte array of {@link #length} bytes: all zero or all 0xff one time in ten each, random otherwise. */
  public static byte[] bytes(Random random, int minLength, int maxLength) {
    byte[] b = new byte[length(random, minLength, maxLength)];
    int r = random.nextInt(10);
    if (r == 1) {
      Arrays.fill(b, (byte) 0xff);
    } else if (r > 1) {
      random.nextBytes(b);
    }
    return b;
  }

  /** One of {@code edges} one time in four, else uniform in {@code [min, max]}. */
  public static int intWithEdges(Random random, int min, int max, int... edges) {
    if (edges.length > 0 && random.nextInt(4) == 0) {
      return edges[random.nextInt(edges.length)];
    }
    return min + random.nextInt(max - min + 1);
  }

  /**
   * Runs {@code body}, which may throw {@code allowed} and nothing else; anything else, an assertion failure
   * included, fails with the seed in the message.
   */
  public static void assertOnlyThrows(long seed, Class<? extends Throwable> allowed, Executable body) {
    try {
      body.execute();
    } catch (Throwable t) {
      if (!allowed.isInstance(t)) {
        throw new AssertionError("seed " + seed + ": expected nothing or " + allowed.getSimpleName() + ", got " + t,
            t);
      }
    }
  }

  /** Runs {@code body}; any failure is rethrown with the seed in its message. */
  public static void withSeed(long seed, Executable body) {
    try {
      body.execute();
    } catch (Throwable t) {
      throw new AssertionError("seed " + seed + ": " + t, t);
    }
  }
}
