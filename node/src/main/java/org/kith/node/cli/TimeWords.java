package org.kith.node.cli;

import java.time.Instant;

/** Times for people: "2 minutes ago", "never", instead of ISO-8601 stamps. */
final class TimeWords {
  private TimeWords() {}

  /** How long before {@code nowMs} an ISO-8601 instant was; "never" for null. */
  static String ago(String iso, long nowMs) {
    return iso == null ? "never" : ago(Instant.parse(iso).toEpochMilli(), nowMs);
  }

  static String ago(long thenMs, long nowMs) {
    long s = (nowMs - thenMs) / 1000;
    if (s < 60) {
      // Also a time a little ahead of this machine's clock (another machine's clock runs fast).
      return "just now";
    }
    if (s < 90 * 60) {
      return plural(s / 60, "minute") + " ago";
    }
    if (s < 36 * 3600) {
      return plural(s / 3600, "hour") + " ago";
    }
    return plural(s / 86400, "day") + " ago";
  }

  static String plural(long n, String unit) {
    return n + " " + unit + (n == 1 ? "" : "s");
  }
}
