package org.kith.node.net;

import io.netty.channel.Channel;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The transport's connection budgets ({@link TransportConfig}): which budget each connection holds, and whom
 * to close when a budget of strangers is full. Handshakes and unpaired sessions are kept in arrival order, so
 * the oldest is found first; a newcomer displaces the oldest of the source address holding the most rather
 * than being turned away, so sockets that sit and wait lose their place to ones that get on with it.
 * Thread-safe: the transport's event loops share one instance.
 */
final class ConnectionSlots {
  /** What a connection counts against. */
  enum Kind {
    /** Inbound, Secret Handshake not complete: {@link TransportConfig#maxHandshakes()}. */
    HANDSHAKE,
    /** Inbound from a paired or known key: {@link TransportConfig#maxConnections()}. */
    PEER,
    /** Inbound from any other key: {@link TransportConfig#maxUnpairedSessions()}. */
    STRANGER,
    /** Inbound from a key that is not paired while that budget is full: told "busy" and closed. */
    REFUSING,
    /** Dialled by this node: {@link TransportConfig#maxOutbound()}. */
    OUTBOUND
  }

  /** One connection's place. */
  static final class Slot {
    final SourceAddress source;
    volatile Kind kind;
    /** A stranger's PAIR_REQUEST is being answered: it is not displaced meanwhile. Guarded by the table. */
    boolean requestOpen;
    /** Guarded by the table. */
    boolean released;
    volatile Channel channel;

    Slot(SourceAddress source, Kind kind) {
      this.source = source;
      this.kind = kind;
    }

    Kind kind() {
      return kind;
    }
  }

  /** A newcomer's place, and the connection to close to make room for it (null if none). */
  record Admitted(Slot slot, Channel displaced) {}

  private final TransportConfig config;
  /** HANDSHAKE and REFUSING slots, oldest first. */
  private final LinkedHashSet<Slot> handshakes = new LinkedHashSet<>();
  private final Map<SourceAddress, Integer> handshakesBySource = new HashMap<>();
  /** STRANGER slots, oldest first. */
  private final LinkedHashSet<Slot> strangers = new LinkedHashSet<>();
  private final Map<SourceAddress, Integer> strangersBySource = new HashMap<>();
  private int peers;
  private int outbound;

  ConnectionSlots(TransportConfig config) {
    this.config = config;
  }

  /** An inbound TCP connection was accepted; null refuses it (every handshake slot is being refused). */
  synchronized Admitted accept(Channel ch) {
    Slot s = new Slot(SourceAddress.of(ch.remoteAddress()), Kind.HANDSHAKE);
    s.channel = ch;
    Slot victim = victim(handshakes, handshakesBySource, s.source, config.maxHandshakesPerAddress(),
        config.maxHandshakes(), v -> v.kind == Kind.HANDSHAKE);
    if (victim == NONE_EVICTABLE) {
      return null;
    }
    Channel displaced = null;
    if (victim != null) {
      release0(victim);
      displaced = victim.channel;
    }
    add(handshakes, handshakesBySource, s);
    return new Admitted(s, displaced);
  }

  /** A dial is about to start; null when {@link TransportConfig#maxOutbound()} are open. */
  synchronized Slot dial() {
    if (outbound >= config.maxOutbound()) {
      return null;
    }
    outbound++;
    return new Slot(null, Kind.OUTBOUND);
  }

  /**
   * The handshake proved the client's key ({@code peer}: paired or known). Returns the connection's place,
   * or null to refuse the key in the handshake (the peers' budget is full and it has no connection here to
   * replace).
   */
  synchronized Admitted handshaken(Slot s, boolean peer, boolean replacesOpenConnection) {
    if (s.released || s.kind != Kind.HANDSHAKE) {
      return null;
    }
    if (peer) {
      if (peers >= config.maxConnections() && !replacesOpenConnection) {
        return null;
      }
      remove(handshakes, handshakesBySource, s);
      s.kind = Kind.PEER;
      peers++;
      return new Admitted(s, null);
    }
    Slot victim = victim(strangers, strangersBySource, s.source, config.maxUnpairedSessionsPerAddress(),
        config.maxUnpairedSessions(), v -> !v.requestOpen);
    if (victim == NONE_EVICTABLE) {
      s.kind = Kind.REFUSING; // keeps its handshake slot until it is closed
      return new Admitted(s, null);
    }
    Channel displaced = null;
    if (victim != null) {
      release0(victim);
      displaced = victim.channel;
    }
    remove(handshakes, handshakesBySource, s);
    s.kind = Kind.STRANGER;
    add(strangers, strangersBySource, s);
    return new Admitted(s, displaced);
  }

  /** An unpaired connection's key is now paired: moves it to the peers' budget if there is room. */
  synchronized boolean promote(Slot s) {
    if (s.released || s.kind != Kind.STRANGER || peers >= config.maxConnections()) {
      return false;
    }
    remove(strangers, strangersBySource, s);
    s.kind = Kind.PEER;
    peers++;
    return true;
  }

  synchronized void requestOpen(Slot s, boolean open) {
    s.requestOpen = open;
  }

  /** The connection closed (or never connected). Idempotent. */
  synchronized void release(Slot s) {
    if (!s.released) {
      release0(s);
    }
  }

  synchronized Transport.Counts counts() {
    return new Transport.Counts(handshakes.size(), strangers.size(), peers, outbound);
  }

  private void release0(Slot s) {
    s.released = true;
    switch (s.kind) {
      case HANDSHAKE, REFUSING -> remove(handshakes, handshakesBySource, s);
      case STRANGER -> remove(strangers, strangersBySource, s);
      case PEER -> peers--;
      case OUTBOUND -> outbound--;
      default -> throw new IllegalStateException("unknown kind " + s.kind);
    }
  }

  /** Marks "full, and nobody may be displaced". */
  private static final Slot NONE_EVICTABLE = new Slot(null, Kind.REFUSING);

  /**
   * Whom a newcomer from {@code source} displaces: null if there is room, the oldest evictable slot of its own
   * source if that source is at {@code perSource}, else (all full) the oldest evictable slot of the source
   * holding the most; {@link #NONE_EVICTABLE} if the one to pick from has no evictable slot.
   */
  private static Slot victim(LinkedHashSet<Slot> set, Map<SourceAddress, Integer> bySource, SourceAddress source,
      int perSource, int total, Predicate<Slot> evictable) {
    if (bySource.getOrDefault(source, 0) >= perSource) {
      for (Slot v : set) {
        if (v.source.equals(source) && evictable.test(v)) {
          return v;
        }
      }
      return NONE_EVICTABLE;
    }
    if (set.size() < total) {
      return null;
    }
    int most = 0;
    for (Slot v : set) {
      if (evictable.test(v)) {
        most = Math.max(most, bySource.get(v.source));
      }
    }
    for (Slot v : set) {
      if (evictable.test(v) && bySource.get(v.source) == most) {
        return v;
      }
    }
    return NONE_EVICTABLE;
  }

  private static void add(LinkedHashSet<Slot> set, Map<SourceAddress, Integer> bySource, Slot s) {
    set.add(s);
    bySource.merge(s.source, 1, Integer::sum);
  }

  private static void remove(LinkedHashSet<Slot> set, Map<SourceAddress, Integer> bySource, Slot s) {
    if (set.remove(s)) {
      bySource.computeIfPresent(s.source, (k, n) -> n == 1 ? null : n - 1);
    }
  }
}
