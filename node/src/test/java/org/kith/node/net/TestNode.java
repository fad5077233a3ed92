package org.kith.node.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.PairAccept;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;

/** A transport with a scriptable handler and admission, for tests in one JVM over loopback. */
final class TestNode implements RequestHandler, Admission, AutoCloseable {
  /**
   * How long a test waits for an event before it fails: a safety net for a test that would otherwise hang,
   * never a timing assertion, so generous enough for a small, busy machine.
   */
  static final Duration AWAIT_LIMIT = Duration.ofSeconds(90);

  /**
   * Timers that never fire in a test that does not ask for them: handshake and request timeouts far above
   * anything a busy machine takes, and keepalives so rare that no PING takes a rate-limit token unasked.
   */
  static TransportConfig config() {
    return TransportConfig.defaults()
        .withRequestLimits(256, 100_000, 100_000)
        .withTimers(Duration.ofSeconds(30), Duration.ofMinutes(20), Duration.ofMinutes(10), Duration.ofSeconds(30))
        .withReconnect(Duration.ofMillis(50), Duration.ofMillis(400));
  }

  final KeyPair identity;
  final Transport transport;
  final AtomicInteger handled = new AtomicInteger();
  final List<PeerConnection> connected = new CopyOnWriteArrayList<>();
  final List<PeerConnection> closed = new CopyOnWriteArrayList<>();
  final List<Frame> messages = new CopyOnWriteArrayList<>();
  volatile Predicate<PublicId> admit = k -> true;
  volatile BiPredicate<PublicId, FrameType> allow = (k, t) -> true;
  volatile Function<Frame, CompletableFuture<Response>> behaviour = TestNode::echo;
  InetSocketAddress address;

  TestNode() {
    this(config());
  }

  TestNode(TransportConfig config) {
    this(config, KeyPair.generate());
  }

  TestNode(TransportConfig config, KeyPair identity) {
    this(config, identity, Clock.systemUTC());
  }

  /** With the clock rate limits and the idle timeout read, so that a test moves their time by hand. */
  TestNode(TransportConfig config, Clock clock) {
    this(config, KeyPair.generate(), clock);
  }

  TestNode(TransportConfig config, KeyPair identity, Clock clock) {
    this.identity = identity;
    this.transport = new Transport(config, identity, NetworkKey.KITH_V1, this, this, clock);
  }

  PublicId id() {
    return identity.id();
  }

  TestNode listen() throws IOException {
    return listen(0);
  }

  TestNode listen(int port) throws IOException {
    address = transport.listen("127.0.0.1", port);
    return this;
  }

  /** QUERY -> ANSWER with the same query id; PAIR_REQUEST -> PAIR_ACCEPT; SYNC_REQUEST -> cursor + 1. */
  static CompletableFuture<Response> echo(Frame request) {
    try {
      switch (request.getHeader().getType()) {
        case QUERY: {
          Query q = FrameCodec.payload(request, Query.parser());
          return CompletableFuture.completedFuture(
              new Response(FrameType.ANSWER, Answer.newBuilder().setQueryId(q.getQueryId()).build()));
        }
        case PAIR_REQUEST:
          return CompletableFuture.completedFuture(
              new Response(FrameType.PAIR_ACCEPT, PairAccept.newBuilder().setPetname("ok").build()));
        case SYNC_REQUEST: {
          SyncRequest s = FrameCodec.payload(request, SyncRequest.parser());
          return CompletableFuture.completedFuture(new Response(FrameType.SYNC_BATCH,
              SyncBatch.newBuilder().setNextCursor(s.getSinceCursor() + 1).build()));
        }
        default:
          throw new IllegalStateException("unexpected " + request.getHeader().getType());
      }
    } catch (FrameException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Response> handle(PeerConnection from, Frame request) {
    handled.incrementAndGet();
    return behaviour.apply(request);
  }

  @Override
  public void onMessage(PeerConnection from, Frame message) {
    messages.add(message);
  }

  @Override
  public void onConnected(PeerConnection c) {
    connected.add(c);
  }

  @Override
  public void onClosed(PeerConnection c) {
    closed.add(c);
  }

  @Override
  public boolean admitHandshake(PublicId client) {
    return admit.test(client);
  }

  @Override
  public boolean allow(PublicId peer, FrameType type) {
    return allow.test(peer, type);
  }

  @Override
  public void close() {
    transport.close();
  }
}
