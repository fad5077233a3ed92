package org.kith.node.cli;

import java.time.Duration;
import java.util.Locale;
import org.kith.node.base.KithException;

/** Durations as people type them on the command line: 30s, 10m, 24h, 7d, 2w, or ISO-8601 (P1D). */
final class Durations {
  private Durations() {}

  static Duration parse(String s, String what) throws KithException {
    String v = s == null ? "" : s.strip().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        case 'w' -> Duration.ofDays(7 * n);
        default -> throw new NumberFormatException();
      };
    } catch (RuntimeException e) {
      throw new KithException(KithException.USAGE, what + " takes a duration like 30s, 10m, 24h, 7d or 2w: " + s);
    }
  }
}
