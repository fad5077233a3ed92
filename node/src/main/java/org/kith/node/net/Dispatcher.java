package org.kith.node.net;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes frames to whichever feature registered for their type, and admits keys and frames by the audience
 * each registration names. It knows no feature: pairing, sync, queries and unpair notices register here at
 * start-up (Teku's one handler per RPC). Every method runs on the event loop and must not block.
 */
public final class Dispatcher implements RequestHandler, Admission {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  /** Who may send a frame type. */
  public enum Audience {
    /** Any key that completed the handshake and is not blocked (a pairing request). */
    ANYONE,
    /** Keys this node knows, paired or with an unpair pending. */
    KNOWN,
    /** Paired keys only. */
    PAIRED
  }

  /** This node's relation to a key, answered from memory. */
  public interface Relations {
    boolean blocked(PublicId key);

    boolean known(PublicId key);

    boolean paired(PublicId key);
  }

  /** Serves one request type; slow work goes to the feature's own executor. */
  @FunctionalInterface
  public interface Requests {
    CompletableFuture<Response> handle(PeerConnection from, Frame request);
  }

  /** Takes one unsolicited frame type. */
  @FunctionalInterface
  public interface Messages {
    void on(PeerConnection from, Frame message);
  }

  /** Told when a connection becomes a peer's current one and when it closes. */
  public interface Connections {
    default void onConnected(PeerConnection c) {}

    default void onClosed(PeerConnection c) {}
  }

  private record Route<H>(Audience audience, H handler) {}

  private final Map<FrameType, Route<Requests>> requests = new ConcurrentHashMap<>();
  private final Map<FrameType, Route<Messages>> messages = new ConcurrentHashMap<>();
  private final List<Connections> listeners = new CopyOnWriteArrayList<>();
  private volatile Relations relations;
  /** Requests and messages handed to a feature, by type: tests check what a peer did (not) send. */
  private final Map<FrameType, java.util.concurrent.atomic.AtomicLong> received = new ConcurrentHashMap<>();

  /** Refuses every key until {@link #relations} is set. */
  public Dispatcher(Relations relations) {
    this.relations = relations != null ? relations : NOBODY;
  }

  private static final Relations NOBODY = new Relations() {
    @Override
    public boolean blocked(PublicId key) {
      return true;
    }

    @Override
    public boolean known(PublicId key) {
      return false;
    }

    @Override
    public boolean paired(PublicId key) {
      return false;
    }
  };

  public void relations(Relations r) {
    this.relations = r;
  }

  public void onRequest(FrameType type, Audience audience, Requests handler) {
    if (requests.putIfAbsent(type, new Route<>(audience, handler)) != null) {
      throw new IllegalStateException("two handlers for " + type);
    }
  }

  public void onMessage(FrameType type, Audience audience, Messages handler) {
    if (messages.putIfAbsent(type, new Route<>(audience, handler)) != null) {
      throw new IllegalStateException("two handlers for " + type);
    }
  }

  public void onConnection(Connections listener) {
    listeners.add(listener);
  }

  // ---- Admission

  @Override
  public boolean admitHandshake(PublicId client) {
    return !relations.blocked(client);
  }

  /** Paired or known: a key with an unpair still to be told keeps a peer's connection until it is told. */
  @Override
  public boolean isPeer(PublicId key) {
    return relations.known(key);
  }

  @Override
  public boolean allow(PublicId peer, FrameType type) {
    Route<?> r = requests.get(type);
    if (r == null) {
      r = messages.get(type);
    }
    // A type no feature serves is answered UNSUPPORTED, but only to paired peers: strangers learn nothing.
    Audience a = r == null ? Audience.PAIRED : r.audience();
    return switch (a) {
      case ANYONE -> true;
      case KNOWN -> relations.known(peer);
      case PAIRED -> relations.paired(peer);
    };
  }

  // ---- RequestHandler

  @Override
  public CompletableFuture<Response> handle(PeerConnection from, Frame request) {
    count(request);
    Route<Requests> r = requests.get(request.getHeader().getType());
    if (r == null) {
      return CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.UNSUPPORTED,
          "this node does not serve " + request.getHeader().getType()));
    }
    return r.handler().handle(from, request);
  }

  @Override
  public void onMessage(PeerConnection from, Frame message) {
    count(message);
    Route<Messages> r = messages.get(message.getHeader().getType());
    if (r != null) {
      r.handler().on(from, message);
    }
  }

  private void count(Frame f) {
    received.computeIfAbsent(f.getHeader().getType(), t -> new java.util.concurrent.atomic.AtomicLong())
        .incrementAndGet();
  }

  /** Requests and messages of {@code type} that reached this dispatcher since the node started. */
  public long received(FrameType type) {
    java.util.concurrent.atomic.AtomicLong n = received.get(type);
    return n == null ? 0 : n.get();
  }

  @Override
  public void onConnected(PeerConnection c) {
    for (Connections l : listeners) {
      try {
        l.onConnected(c);
      } catch (RuntimeException e) {
        LOG.error("a connection listener failed: {}", e.getClass().getName());
      }
    }
  }

  @Override
  public void onClosed(PeerConnection c) {
    for (Connections l : listeners) {
      try {
        l.onClosed(c);
      } catch (RuntimeException e) {
        LOG.error("a connection listener failed: {}", e.getClass().getName());
      }
    }
  }
}
