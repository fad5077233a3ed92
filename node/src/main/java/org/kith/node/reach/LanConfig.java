package org.kith.node.reach;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * How a node looks for its peers on the local network (spec/PROTOCOL.md, "LAN discovery"). {@code targets} empty
 * means the broadcast address of every IPv4 interface that is up, at {@code port}; tests name loopback targets so
 * that their packets stay on the machine. Whatever this says, a node that listens only on loopback never beacons
 * beyond loopback ({@link #allowedFor}).
 */
public record LanConfig(boolean enabled, String bindHost, int port, List<InetSocketAddress> targets) {
  /** Kith's LAN discovery port: the peer port 7347, the page 7348, this 7349, rooms 7350. */
  public static final int DEFAULT_PORT = 7349;
  public static final LanConfig OFF = new LanConfig(false, "0.0.0.0", DEFAULT_PORT, List.of());
  public static final LanConfig DEFAULT = new LanConfig(true, "0.0.0.0", DEFAULT_PORT, List.of());

  public LanConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    targets = List.copyOf(targets);
    if (!bindHost.equals("0.0.0.0") && !bindHost.equals("127.0.0.1")) {
      throw new IllegalArgumentException("LAN discovery binds 0.0.0.0 or 127.0.0.1, not " + bindHost);
    }
  }

  /** A beacon on loopback only: for tests and benchmarks (packets never leave the machine). */
  public static LanConfig loopback(int port, List<InetSocketAddress> targets) {
    return new LanConfig(true, "127.0.0.1", port, targets);
  }

  /**
   * Whether a node listening on {@code listenHost} may run this: never off, and a node listening on loopback only
   * beacons only to loopback targets, never to the LAN.
   */
  public boolean allowedFor(String listenHost) {
    if (!enabled) {
      return false;
    }
    boolean loopbackOnly = listenHost.startsWith("127.") || listenHost.equals("::1")
        || listenHost.equalsIgnoreCase("localhost");
    if (!loopbackOnly) {
      return true;
    }
    return !targets.isEmpty() && targets.stream().allMatch(t -> t.getAddress() != null
        && t.getAddress().isLoopbackAddress());
  }
}
