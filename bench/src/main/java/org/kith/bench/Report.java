package org.kith.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * Prints one figure per line as {@code name<TAB>value<TAB>unit}. Ratio names end in {@code _ratio} and are
 * always computed from a baseline measured in the same run.
 */
public final class Report {
  private final PrintStream out;

  public Report(PrintStream out) {
    this.out = out;
  }

  public void figure(String name, double value, String unit) {
    out.printf(Locale.ROOT, "%s\t%.4g\t%s%n", name, value, unit);
    out.flush();
  }

  /** A whole number (a count), printed in full rather than to four significant digits. */
  public void count(String name, long value, String unit) {
    out.printf(Locale.ROOT, "%s\t%d\t%s%n", name, value, unit);
    out.flush();
  }

  /** A ratio of ours over the baseline: above 1 means ours is faster (for rates) . */
  public void ratio(String name, double ours, double baseline) {
    if (!name.endsWith("_ratio")) {
      throw new IllegalArgumentException("ratio names end in _ratio: " + name);
    }
    figure(name, ours / baseline, "x");
  }

  /** Median of a sample; the machine is noisy, so medians are what we quote. */
  public static double median(double[] samples) {
    double[] s = samples.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  public static double percentile(double[] samples, double p) {
    double[] s = samples.clone();
    Arrays.sort(s);
    int idx = (int) Math.ceil(p / 100.0 * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, idx))];
  }
}
