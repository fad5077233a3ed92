package org.kith.node.net;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.kith.protocol.identity.PublicId;

/**
 * Source addresses the listener expects a peer's punch from during the upgrade to direct (spec 12.4), with the
 * handshake role this node keeps in that upgrade. Bounded: at most {@link #MAX_EXPECTED} entries, the expired
 * dropped first; thread-safe.
 */
final class Punches {
  /** 8 candidates each for a few upgrades at once. */
  static final int MAX_EXPECTED = 256;

  record Expected(PublicId peer, boolean client, long untilMillis) {}

  private final Map<InetSocketAddress, Expected> byAddress = new HashMap<>();

  synchronized void expect(Collection<InetSocketAddress> from, PublicId peer, boolean client, long untilMillis) {
    for (InetSocketAddress a : from) {
      if (byAddress.size() >= MAX_EXPECTED) {
        byAddress.values().removeIf(e -> e.untilMillis() < untilMillis);
        if (byAddress.size() >= MAX_EXPECTED) {
          return;
        }
      }
      byAddress.put(a, new Expected(peer, client, untilMillis));
    }
  }

  /** The expectation for a connection from {@code remote} at {@code nowMillis}, or null. */
  synchronized Expected expected(SocketAddress remote, long nowMillis) {
    if (byAddress.isEmpty() || !(remote instanceof InetSocketAddress a)) {
      return null;
    }
    Expected e = byAddress.get(a);
    if (e != null && e.untilMillis() < nowMillis) {
      byAddress.remove(a);
      return null;
    }
    return e;
  }
}
