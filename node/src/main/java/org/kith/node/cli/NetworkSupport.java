package org.kith.node.cli;

import java.time.Duration;
import org.kith.node.NodeNetwork;
import org.kith.node.NodeServices;
import org.kith.node.net.TransportConfig;

/** Networking for commands that run without a node: an outbound-only transport for one pairing. */
final class NetworkSupport {
  private NetworkSupport() {}

  static NodeServices.NetworkFactory transientFactory() {
    return services -> new NodeNetwork(services, TransportConfig.defaults());
  }

  static Duration parseDuration(String s, String what) throws org.kith.node.KithException {
    String v = s == null ? "" : s.strip().toLowerCase(java.util.Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
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
      throw new org.kith.node.KithException(org.kith.node.KithException.USAGE,
          what + " takes a duration like 30s, 10m, 24h, 7d or 2w: " + s);
    }
  }
}
