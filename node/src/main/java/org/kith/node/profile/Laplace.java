package org.kith.node.profile;

import java.util.random.RandomGenerator;

/**
 * Samples of the Laplace distribution centred on 0, drawn by inverting its cumulative distribution function.
 *
 * <p>Known limit: a float inverse-CDF sampler leaks a little through the pattern of its low-order bits
 * (Mironov, "On significance of the least significant bits for differential privacy", CCS 2012). Callers that
 * publish a noisy value round it coarsely (the topic profile rounds counts to one decimal), which hides most
 * of that pattern; a snapping mechanism would close it fully.
 */
public final class Laplace {
  private Laplace() {}

  /**
   * One sample of Laplace(0, {@code scale}): density {@code exp(-|x| / scale) / (2 scale)}, so the mean is 0
   * and the mean absolute value is {@code scale}. Always finite.
   */
  public static double sample(RandomGenerator random, double scale) {
    if (random == null) {
      throw new NullPointerException("random");
    }
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("scale must be finite and > 0: " + scale);
    }
    // u in the open interval (0, 1): at u = 0 the inverse CDF is -infinity.
    double u;
    do {
      u = random.nextDouble();
    } while (u == 0.0);
    // F^-1(u) = scale * ln(2u) below the median, -scale * ln(2 - 2u) above it; 2 - 2u > 0 since u < 1.
    return u < 0.5 ? scale * Math.log(2 * u) : -scale * Math.log(2 - 2 * u);
  }
}
