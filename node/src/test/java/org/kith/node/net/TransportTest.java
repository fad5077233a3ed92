package org.kith.node.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MutableClock;
import org.kith.protocol.Limits;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.PairRequest;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;
import org.kith.protocol.proto.Unpair;

class TransportTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private TestNode node() {
    return node(TestNode.config());
  }

  private TestNode node(TransportConfig config) {
    TestNode n = new TestNode(config);
    open.add(n);
    return n;
  }

  private TestNode node(TransportConfig config, Clock clock) {
    TestNode n = new TestNode(config, clock);
    open.add(n);
    return n;
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(TestNode.AWAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    return fail("expected a failure, got a value");
  }

  /** Polls until {@code condition} holds, failing only after {@link TestNode#AWAIT_LIMIT}: a safety net. */
  private static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TestNode.AWAIT_LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for: " + what);
      }
      Thread.sleep(10);
    }
  }

  /** A loopback address where, a moment ago, a port was free: dials to it are refused. */
  private static InetSocketAddress nobodyListens() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return new InetSocketAddress("127.0.0.1", s.getLocalPort());
    }
  }

  /**
   * How many dials {@link Transport#maintain} makes to an address where nobody listens before the delays
   * between them, each at least half its backoff (see {@link Transport#backoffMillis}), add up to more than
   * {@code reconnectMax}: awaiting that many proves the transport's reconnect timers ran for longer than that.
   */
  private static long dialsSpanningReconnectMax(TransportConfig config) {
    long min = config.reconnectMin().toMillis();
    long max = config.reconnectMax().toMillis();
    long spannedMillis = 0;
    long dials = 1; // the first goes out at once
    for (int failures = 1; spannedMillis <= max; failures++) {
      spannedMillis += Math.min(max, min << Math.min(failures, 30)) / 2;
      dials++;
    }
    return dials;
  }

  private static ByteString qid(int i) {
    return ByteString.copyFromUtf8(String.format("%016d", i));
  }

  /** Any fixed deadline: the transport only checks that one is set, and TestNode's handler does not read it. */
  private static final long DEADLINE_UNIX_MS = 4_102_444_800_000L; // 2100-01-01

  private static Query query(int i) {
    return Query.newBuilder().setQueryId(qid(i)).setText("question").setHops(1).setK(5)
        .setDeadlineUnixMs(DEADLINE_UNIX_MS).build();
  }

  private static CompletableFuture<Frame> ping(PeerConnection c) {
    return c.request(FrameType.PING, Empty.getDefaultInstance());
  }

  /**
   * Sends {@code n} PINGs at once and returns what became of each, in order: {@code +} answered,
   * {@code -} refused with RATE_LIMITED. Any other outcome fails the test.
   */
  private static String outcomes(PeerConnection c, int n) throws Exception {
    List<CompletableFuture<Frame>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(ping(c));
    }
    StringBuilder got = new StringBuilder();
    for (CompletableFuture<Frame> f : all) {
      try {
        assertEquals(FrameType.PONG, await(f).getHeader().getType());
        got.append('+');
      } catch (ExecutionException e) {
        assertEquals(ErrorCode.RATE_LIMITED, assertInstanceOf(ErrorFrameException.class, e.getCause()).code());
        got.append('-');
      }
    }
    return got.toString();
  }

  /** Moves the shared clock by {@code step} and waits until each end of the connection heard from the other. */
  private static void keepaliveStep(MutableClock clock, Duration step, PeerConnection one, PeerConnection other)
      throws InterruptedException {
    clock.advance(step);
    long now = clock.millis();
    waitUntil("a keepalive round at " + now, () -> one.lastSeenMillis() >= now && other.lastSeenMillis() >= now
        || !one.isOpen() || !other.isOpen());
    assertTrue(one.isOpen() && other.isOpen(), "PING/PONG keeps a quiet connection up");
  }

  private static Answer answer() {
    return Answer.newBuilder().setQueryId(qid(0)).build();
  }

  private static PairRequest pairRequest() {
    return PairRequest.newBuilder().setInviteId(ByteString.copyFrom(new byte[16]))
        .setProof(ByteString.copyFrom(new byte[32])).build();
  }

  @Test
  void handshake_thenRequestsBothWays() throws Exception {
    TestNode a = node().listen();
    TestNode b = node().listen();
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    assertEquals(b.id(), ab.remote());
    assertFalse(ab.inbound());
    waitUntil("b sees a", () -> b.transport.connection(a.id()).isPresent());
    PeerConnection ba = b.transport.connection(a.id()).orElseThrow();
    assertTrue(ba.inbound());

    Frame answer = await(ab.request(FrameType.QUERY, query(1)));
    assertEquals(FrameType.ANSWER, answer.getHeader().getType());
    assertEquals(qid(1), FrameCodec.payload(answer, Answer.parser()).getQueryId());
    Frame batch = await(ba.request(FrameType.SYNC_REQUEST, SyncRequest.newBuilder().setSinceCursor(41).setMax(1)
        .build()));
    assertEquals(42, FrameCodec.payload(batch, SyncBatch.parser()).getNextCursor());
    assertEquals(FrameType.PONG, await(ab.request(FrameType.PING, Empty.getDefaultInstance()))
        .getHeader().getType());

    waitUntil("hellos", () -> ab.hello().isPresent() && ba.hello().isPresent());
    assertEquals(Limits.PROTOCOL_VERSION, ab.hello().get().getProtocolVersion());
    await(ab.send(FrameType.UNPAIR, Unpair.getDefaultInstance()));
    waitUntil("unsolicited UNPAIR delivered", () -> b.messages.size() == 1);
    assertEquals(1, a.connected.size());
    assertEquals(1, b.connected.size());
    assertSame(ab, await(a.transport.connect(b.address, b.id())), "one connection per peer");
  }

  @Test
  void concurrentRequests_multiplexOnOneConnection_outOfOrderAnswers() throws Exception {
    ScheduledExecutorService worker = Executors.newScheduledThreadPool(2);
    open.add(worker::shutdownNow);
    TestNode a = node().listen();
    TestNode b = node().listen();
    for (TestNode n : List.of(a, b)) {
      n.behaviour = request -> {
        CompletableFuture<Response> r = new CompletableFuture<>();
        worker.schedule(() -> TestNode.echo(request).whenComplete((v, e) -> r.complete(v)),
            ThreadLocalRandom.current().nextInt(20), TimeUnit.MILLISECONDS);
        return r;
      };
    }
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    waitUntil("b sees a", () -> b.transport.connection(a.id()).isPresent());
    PeerConnection ba = b.transport.connection(a.id()).orElseThrow();
    List<CompletableFuture<Frame>> fromA = new ArrayList<>();
    List<CompletableFuture<Frame>> fromB = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      fromA.add(ab.request(FrameType.QUERY, query(i)));
      fromB.add(ba.request(FrameType.QUERY, query(1000 + i)));
    }
    for (int i = 0; i < 200; i++) {
      assertEquals(qid(i),
          FrameCodec.payload(await(fromA.get(i)), Answer.parser()).getQueryId());
      assertEquals(qid(1000 + i),
          FrameCodec.payload(await(fromB.get(i)), Answer.parser()).getQueryId());
    }
    assertEquals(1, a.transport.connections().size());
    assertEquals(0, ab.pendingRequests());
  }

  @Test
  void wrongServerKey_connectFailsRefused() throws Exception {
    TestNode a = node();
    TestNode b = node().listen();
    KeyPair someoneElse = KeyPair.generate();
    Throwable t = failure(a.transport.connect(b.address, someoneElse.id()));
    ConnectFailedException e = assertInstanceOf(ConnectFailedException.class, t);
    assertEquals(ConnectFailedException.Reason.REFUSED, e.reason());
    assertTrue(a.transport.connections().isEmpty());
    assertTrue(b.connected.isEmpty());
  }

  @Test
  void blockedKey_refusedDuringHandshake_neverDispatched() throws Exception {
    TestNode a = node();
    TestNode b = node().listen();
    List<org.kith.protocol.identity.PublicId> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    b.admit = k -> {
      asked.add(k);
      return false;
    };
    ConnectFailedException e =
        assertInstanceOf(ConnectFailedException.class, failure(a.transport.connect(b.address, b.id())));
    assertEquals(ConnectFailedException.Reason.REFUSED, e.reason());
    assertEquals(List.of(a.id()), asked, "admission saw the client's key");
    assertTrue(b.connected.isEmpty());
    assertEquals(0, b.handled.get());

    // A raw client that ignores the refusal gets no session: the server never sends message 4.
    Exception refused = null;
    try {
      RawPeer.handshake(b.address, a.identity, b.id()).close();
    } catch (Exception x) {
      refused = x;
    }
    assertInstanceOf(org.kith.protocol.handshake.HandshakeException.class, refused);
    assertEquals(0, b.handled.get());
  }

  @Test
  void unpairedKey_mayOnlySendPairRequest() throws Exception {
    TestNode a = node();
    TestNode b = node().listen();
    b.allow = (k, t) -> t == FrameType.PAIR_REQUEST;
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    ErrorFrameException e = assertInstanceOf(ErrorFrameException.class,
        failure(ab.request(FrameType.QUERY, query(1))));
    assertEquals(ErrorCode.NOT_PAIRED, e.code());
    assertEquals(0, b.handled.get());
    Frame accept = await(ab.request(FrameType.PAIR_REQUEST, pairRequest()));
    assertEquals(FrameType.PAIR_ACCEPT, accept.getHeader().getType());
    assertEquals(1, b.handled.get());
    await(ab.send(FrameType.UNPAIR, Unpair.getDefaultInstance()));
    assertEquals(FrameType.PONG, await(ab.request(FrameType.PING, Empty.getDefaultInstance()))
        .getHeader().getType(), "PING is the transport's own and always answered");
    assertTrue(b.messages.isEmpty(), "an unsolicited frame the policy refuses is dropped");
  }

  @Test
  void handlerErrors_goBackAsErrorFrames() throws Exception {
    TestNode a = node();
    TestNode b = node().listen();
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    b.behaviour = r -> {
      throw new IllegalStateException("bug with user text in it");
    };
    ErrorFrameException e = assertInstanceOf(ErrorFrameException.class, failure(ab.request(FrameType.QUERY, query(1))));
    assertEquals(ErrorCode.INTERNAL, e.code());
    assertEquals("internal error", e.wireMessage());
    b.behaviour = r -> CompletableFuture.completedFuture(new Response(FrameType.PONG, Empty.getDefaultInstance()));
    e = assertInstanceOf(ErrorFrameException.class, failure(ab.request(FrameType.QUERY, query(1))));
    assertEquals(ErrorCode.INTERNAL, e.code(), "a response of the wrong type is the handler's bug");
    assertTrue(ab.isOpen(), "errors for one request leave the connection up");

    b.behaviour = r -> CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.INVITE_INVALID, "no"));
    e = assertInstanceOf(ErrorFrameException.class,
        failure(ab.request(FrameType.PAIR_REQUEST, pairRequest())));
    assertEquals(ErrorCode.INVITE_INVALID, e.code());
    assertEquals("no", e.wireMessage());
    waitUntil("INVITE_INVALID closes the connection (spec 8.1)", () -> !ab.isOpen());
  }

  @Test
  void badPayloads_refusedPerMessage_connectionKept() throws Exception {
    TestNode a = node();
    TestNode b = node().listen();
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    ErrorFrameException e = assertInstanceOf(ErrorFrameException.class,
        failure(ab.request(FrameType.QUERY, query(1).toBuilder().setHops(0).build())));
    assertEquals(ErrorCode.MALFORMED, e.code());
    e = assertInstanceOf(ErrorFrameException.class,
        failure(ab.request(FrameType.QUERY, query(1).toBuilder().setK(Limits.MAX_RECORDS_PER_ANSWER + 1).build())));
    assertEquals(ErrorCode.TOO_LARGE, e.code());
    assertEquals(0, b.handled.get(), "the node's handler never sees a bad payload");

    b.behaviour = r -> CompletableFuture.completedFuture(
        new Response(FrameType.ANSWER, Answer.newBuilder().setQueryId(ByteString.copyFromUtf8("short")).build()));
    e = assertInstanceOf(ErrorFrameException.class, failure(ab.request(FrameType.QUERY, query(2))));
    assertEquals(ErrorCode.MALFORMED, e.code(), "a bad response fails its request at once");
    assertTrue(ab.isOpen());
    b.behaviour = TestNode::echo;
    assertEquals(FrameType.ANSWER, await(ab.request(FrameType.QUERY, query(3))).getHeader().getType());
  }

  @Test
  void oversizedFrame_disconnectsThatPeer_othersStillServed() throws Exception {
    TestNode server = node().listen();
    TestNode good = node();
    PeerConnection before = await(good.transport.connect(server.address, server.id()));
    try (RawPeer raw = RawPeer.handshake(server.address, KeyPair.generate(), server.id())) {
      raw.hello();
      int n = Limits.MAX_FRAME_BYTES + 1;
      raw.sendBoxed(new byte[] {(byte) (0x80 | (n & 0x7f)), (byte) (0x80 | ((n >>> 7) & 0x7f)),
          (byte) (n >>> 14)});
      List<Frame> got = raw.readUntilClosed();
      assertEquals(FrameType.HELLO, got.get(0).getHeader().getType());
      Frame last = got.get(got.size() - 1);
      assertEquals(FrameType.ERROR, last.getHeader().getType());
      assertEquals(ErrorCode.TOO_LARGE, PeerConnection.toException(last).code());
    }
    assertEquals(FrameType.ANSWER, await(before.request(FrameType.QUERY, query(1))).getHeader().getType());
    TestNode late = node();
    PeerConnection after = await(late.transport.connect(server.address, server.id()));
    assertEquals(FrameType.ANSWER, await(after.request(FrameType.QUERY, query(2))).getHeader().getType());
  }

  @Test
  void garbage_afterHandshake_disconnectsThatPeer_othersStillServed() throws Exception {
    TestNode server = node().listen();
    TestNode good = node();
    PeerConnection conn = await(good.transport.connect(server.address, server.id()));

    // Bytes that are not box-stream at all.
    try (RawPeer raw = RawPeer.handshake(server.address, KeyPair.generate(), server.id())) {
      byte[] junk = new byte[200];
      ThreadLocalRandom.current().nextBytes(junk);
      raw.sendRaw(junk);
      raw.readUntilClosed();
    }
    // Valid boxes holding a frame that does not parse.
    try (RawPeer raw = RawPeer.handshake(server.address, KeyPair.generate(), server.id())) {
      raw.hello();
      raw.sendBoxed(new byte[] {5, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
      List<Frame> got = raw.readUntilClosed();
      Frame last = got.get(got.size() - 1);
      assertEquals(ErrorCode.MALFORMED, PeerConnection.toException(last).code());
    }
    // A first frame that is not HELLO.
    try (RawPeer raw = RawPeer.handshake(server.address, KeyPair.generate(), server.id())) {
      raw.sendFrame(FrameCodec.frame(FrameType.QUERY, 1, query(1)));
      List<Frame> got = raw.readUntilClosed();
      assertEquals(ErrorCode.MALFORMED, PeerConnection.toException(got.get(got.size() - 1)).code());
    }
    assertEquals(0, server.handled.get());
    assertEquals(FrameType.ANSWER, await(conn.request(FrameType.QUERY, query(1))).getHeader().getType());
  }

  @Test
  void maintain_reconnectsAfterServerRestartsOnTheSamePort() throws Exception {
    KeyPair serverIdentity = KeyPair.generate();
    TestNode server = new TestNode(TestNode.config(), serverIdentity).listen();
    int port = server.address.getPort();
    TestNode client = node();
    client.transport.maintain(serverIdentity.id(), List.of(new InetSocketAddress("127.0.0.1", port)));
    waitUntil("first connection", () -> client.transport.connection(serverIdentity.id()).isPresent());
    server.close();
    waitUntil("connection lost", () -> client.transport.connection(serverIdentity.id()).isEmpty());

    TestNode restarted = new TestNode(TestNode.config(), serverIdentity);
    open.add(restarted);
    restarted.listen(port);
    waitUntil("reconnected", () -> client.transport.connection(serverIdentity.id()).isPresent());
    PeerConnection c = client.transport.connection(serverIdentity.id()).orElseThrow();
    assertEquals(FrameType.ANSWER, await(c.request(FrameType.QUERY, query(1))).getHeader().getType());
    assertEquals(2, client.connected.size());
    assertTrue(client.transport.dialAttempts(serverIdentity.id()) >= 2, "dialled, then redialled");
    int serverSaw = restarted.connected.size();

    assertTrue(client.transport.maintains(serverIdentity.id()));
    client.transport.forget(serverIdentity.id());
    assertFalse(client.transport.maintains(serverIdentity.id()));
    assertEquals(0, client.transport.dialAttempts(serverIdentity.id()));
    c.close();
    waitUntil("the close reported", () -> client.closed.contains(c));
    // A forgotten peer is not redialled. A redial would come after reconnectMax at most; a peer still
    // maintained, where nobody listens, is redialled with growing delays that soon add up to more than that.
    PublicId elsewhere = KeyPair.generate().id();
    client.transport.maintain(elsewhere, List.of(nobodyListens()));
    long dials = dialsSpanningReconnectMax(client.transport.config());
    waitUntil(dials + " dials to a peer that is down", () -> client.transport.dialAttempts(elsewhere) >= dials);
    assertTrue(client.transport.connection(serverIdentity.id()).isEmpty());
    assertEquals(2, client.connected.size(), "no new connection");
    assertEquals(serverSaw, restarted.connected.size(), "the server was not dialled again");
    assertFalse(client.transport.maintains(serverIdentity.id()));
    assertEquals(0, client.transport.dialAttempts(serverIdentity.id()));
  }

  @Test
  void maintain_keepsTryingWhileTheServerIsDown() throws Exception {
    InetSocketAddress down = nobodyListens();
    KeyPair serverIdentity = KeyPair.generate();
    TestNode client = node();
    client.transport.maintain(serverIdentity.id(), List.of(down));
    waitUntil("a few failed attempts", () -> client.transport.dialAttempts(serverIdentity.id()) >= 3);
    assertTrue(client.transport.connection(serverIdentity.id()).isEmpty());
    TestNode server = new TestNode(TestNode.config(), serverIdentity);
    open.add(server);
    server.listen(down.getPort());
    waitUntil("connected once the server is up", () -> client.transport.connection(serverIdentity.id()).isPresent());
  }

  @Test
  void backoff_growsAndIsCapped() {
    TestNode n = node();
    for (int failures = 0; failures < 40; failures++) {
      long d = n.transport.backoffMillis(failures);
      long full = Math.min(400, 50L << Math.min(failures, 20));
      assertTrue(d >= full / 2 && d <= full, failures + " -> " + d);
    }
  }

  @Test
  void simultaneousDial_bothSidesKeepTheSameConnection() throws Exception {
    for (int round = 0; round < 5; round++) {
      TestNode a = node().listen();
      TestNode b = node().listen();
      CompletableFuture<PeerConnection> fa = a.transport.connect(b.address, b.id());
      CompletableFuture<PeerConnection> fb = b.transport.connect(a.address, a.id());
      await(fa);
      await(fb);
      waitUntil("one agreed connection", () -> {
        var ca = a.transport.connection(b.id());
        var cb = b.transport.connection(a.id());
        return ca.isPresent() && cb.isPresent() && ca.get().inbound() != cb.get().inbound()
            && a.transport.connections().size() == 1 && b.transport.connections().size() == 1;
      });
      PeerConnection ca = a.transport.connection(b.id()).orElseThrow();
      assertEquals(FrameType.ANSWER, await(ca.request(FrameType.QUERY, query(round))).getHeader().getType());
      // The loser's close is reported when its channel has closed, a moment after it stopped counting as open.
      waitUntil("the loser's close reported", () -> a.connected.size() - a.closed.size() == 1);
    }
  }

  @Test
  void keepalive_keepsAQuietConnection_idleTimeoutClosesASilentPeer() throws Exception {
    // PINGs go out on Netty's timer after every keepaliveInterval of silence; whether a peer has been silent
    // for idleTimeout is judged on the transport's clock, which this test moves by hand, in steps shorter than
    // the idle timeout, each once both ends of the connection heard from each other at the new time.
    Duration idle = Duration.ofMillis(2000);
    Duration step = Duration.ofMillis(500);
    TransportConfig quick = TestNode.config().withTimers(Duration.ofSeconds(30), idle, Duration.ofMillis(100),
        Duration.ofSeconds(5));
    MutableClock clock = MutableClock.now();
    TestNode a = node(quick, clock).listen();
    TestNode b = node(quick, clock);
    PeerConnection ba = await(b.transport.connect(a.address, a.id()));
    waitUntil("a sees b", () -> a.transport.connection(b.id()).isPresent());
    PeerConnection ab = a.transport.connection(b.id()).orElseThrow();
    long start = clock.millis();
    while (clock.millis() - start <= idle.toMillis()) {
      keepaliveStep(clock, step, ab, ba); // no traffic but keepalives
    }
    assertTrue(ab.isOpen() && ba.isOpen(), "PING/PONG kept it up for longer than the idle timeout");

    KeyPair silent = KeyPair.generate();
    try (RawPeer raw = RawPeer.handshake(a.address, silent, a.id())) {
      raw.hello();
      assertEquals(FrameType.HELLO, raw.next().getHeader().getType());
      assertEquals(FrameType.PING, raw.next().getHeader().getType(), "a quiet peer is pinged");
      waitUntil("a saw the silent peer's HELLO",
          () -> a.transport.connection(silent.id()).flatMap(PeerConnection::hello).isPresent());
      PeerConnection toSilent = a.transport.connection(silent.id()).orElseThrow();
      long heard = toSilent.lastSeenMillis();
      while (clock.millis() - heard < idle.toMillis()) {
        // On the transport's clock the silent peer is not yet idle long enough, so nothing may have closed it.
        assertTrue(toSilent.isOpen(), "closed after " + (clock.millis() - heard) + " ms of silence");
        keepaliveStep(clock, step, ab, ba);
      }
      raw.readUntilClosed(); // it never answers a PING: closed at the next check, the clock standing still
      waitUntil("a dropped the silent peer", () -> a.transport.connection(silent.id()).isEmpty());
    }
    assertTrue(ab.isOpen() && ba.isOpen());
  }

  @Test
  void handshakeTimeout_bothSides() throws Exception {
    TransportConfig quick = TestNode.config().withTimers(Duration.ofMillis(300), Duration.ofSeconds(30),
        Duration.ofSeconds(10), Duration.ofSeconds(5));
    TestNode server = node(quick).listen();
    try (RawPeer silent = RawPeer.tcp(server.address)) {
      silent.readUntilClosed(); // the server hangs up on a client that never says hello
    }
    try (ServerSocket mute = new ServerSocket(0)) {
      TestNode client = node(quick);
      ConnectFailedException e = assertInstanceOf(ConnectFailedException.class, failure(
          client.transport.connect(new InetSocketAddress("127.0.0.1", mute.getLocalPort()), server.id())));
      assertEquals(ConnectFailedException.Reason.TIMEOUT, e.reason());
    }
  }

  @Test
  void unreachable_connectFails() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    TestNode client = node();
    ConnectFailedException e = assertInstanceOf(ConnectFailedException.class, failure(
        client.transport.connect(new InetSocketAddress("127.0.0.1", port), KeyPair.generate().id())));
    assertEquals(ConnectFailedException.Reason.UNREACHABLE, e.reason());
  }

  @Test
  void requestTimeout_failsTyped_lateAnswerDropped() throws Exception {
    TestNode a = node();
    TestNode b = node().listen();
    CompletableFuture<Response> never = new CompletableFuture<>();
    b.behaviour = r -> never;
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    assertInstanceOf(RequestTimeoutException.class,
        failure(ab.request(FrameType.QUERY, query(1), Duration.ofMillis(200))));
    assertEquals(0, ab.pendingRequests());
    never.complete(new Response(FrameType.ANSWER, answer()));
    assertEquals(FrameType.PONG, await(ab.request(FrameType.PING, Empty.getDefaultInstance()))
        .getHeader().getType(), "a late answer changes nothing");
  }

  @Test
  void rateLimit_isPerKey_andSurvivesAReconnect() throws Exception {
    // The budget refills on b's clock, which stands still unless the test moves it.
    MutableClock clock = MutableClock.now();
    TestNode a = node();
    TestNode b = node(TestNode.config().withRequestLimits(256, 1, 3), clock).listen();
    PeerConnection first = await(a.transport.connect(b.address, b.id()));
    assertEquals("+++-", outcomes(first, 4), "the budget of 3 ran out");
    first.close();
    waitUntil("closed", () -> b.transport.connections().isEmpty());
    PeerConnection second = await(a.transport.connect(b.address, b.id()));
    assertEquals("-", outcomes(second, 1), "a reconnect does not refill the budget");
    TestNode c = node();
    PeerConnection other = await(c.transport.connect(b.address, b.id()));
    assertEquals("+++-", outcomes(other, 4), "another key has its own budget");
    clock.advance(Duration.ofSeconds(1));
    assertEquals("+-", outcomes(second, 2), "one token comes back per second");
  }

  @Test
  void rateLimit_tokenBucket() throws Exception {
    // The bucket refills on b's clock, which stands still unless the test moves it.
    MutableClock clock = MutableClock.now();
    TestNode a = node();
    TestNode b = node(TestNode.config().withRequestLimits(256, 5, 5), clock).listen();
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    assertEquals("+".repeat(5) + "-".repeat(25), outcomes(ab, 30), "the burst of 5, then nothing");
    clock.advance(Duration.ofSeconds(1));
    assertEquals("+++++-", outcomes(ab, 6), "5 per second");
    clock.advance(Duration.ofMillis(200));
    assertEquals("+-", outcomes(ab, 2), "one per 200 ms");
    clock.advance(Duration.ofMinutes(1));
    assertEquals("+++++-", outcomes(ab, 6), "a long pause refills no more than the burst");
    assertTrue(ab.isOpen(), "over the limit is refused, not disconnected");
  }

  @Test
  void inFlightLimit_refusesBeyondIt() throws Exception {
    TestNode a = node();
    TestNode b = node(TestNode.config().withRequestLimits(3, 1000, 1000)).listen();
    CompletableFuture<Response> gate = new CompletableFuture<>();
    b.behaviour = r -> gate;
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    List<CompletableFuture<Frame>> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(ab.request(FrameType.QUERY, query(i)));
    }
    waitUntil("three in flight", () -> b.handled.get() == 3);
    ErrorFrameException e = assertInstanceOf(ErrorFrameException.class,
        failure(ab.request(FrameType.QUERY, query(9))));
    assertEquals(ErrorCode.RATE_LIMITED, e.code());
    gate.complete(new Response(FrameType.ANSWER, answer()));
    for (CompletableFuture<Frame> f : held) {
      assertEquals(FrameType.ANSWER, await(f).getHeader().getType());
    }
    assertEquals(FrameType.ANSWER, await(ab.request(FrameType.QUERY, query(10))).getHeader().getType());
  }

  @Test
  void maxConnections_refusesBeyond() throws Exception {
    TestNode server = node(TestNode.config().withMaxConnections(1)).listen();
    TestNode c1 = node();
    TestNode c2 = node();
    PeerConnection first = await(c1.transport.connect(server.address, server.id()));
    assertInstanceOf(ConnectFailedException.class, failure(c2.transport.connect(server.address, server.id())));
    first.close();
    // The channel group drops a closed channel from its close listener, a moment after the close.
    waitUntil("slot freed", () -> {
      try {
        return await(c2.transport.connect(server.address, server.id())).isOpen();
      } catch (Exception e) {
        return false;
      }
    });
  }

  @Test
  void close_sendsGoodbye_failsPending_isIdempotent() throws Exception {
    TestNode a = node();
    TestNode b = node().listen();
    b.behaviour = r -> new CompletableFuture<>();
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    CompletableFuture<Frame> pending = ab.request(FrameType.QUERY, query(1));
    waitUntil("dispatched", () -> b.handled.get() == 1);
    b.close();
    b.close();
    assertInstanceOf(ConnectionClosedException.class, failure(pending));
    waitUntil("a saw the close", () -> a.closed.size() == 1);
    assertFalse(ab.isOpen());
    assertInstanceOf(ConnectionClosedException.class, failure(ab.request(FrameType.PING,
        Empty.getDefaultInstance())));
    assertInstanceOf(ConnectFailedException.class, failure(b.transport.connect(a.address == null
        ? new InetSocketAddress("127.0.0.1", 1) : a.address, a.id())));
    assertNotEquals(0, a.connected.size());
  }

  @Test
  void close_fromACallback_doesNotWaitForItself() throws Exception {
    TestNode a = node();
    TestNode b = node().listen();
    b.behaviour = r -> {
      b.transport.close();
      return new CompletableFuture<>();
    };
    PeerConnection ab = await(a.transport.connect(b.address, b.id()));
    assertInstanceOf(ConnectionClosedException.class, failure(ab.request(FrameType.QUERY, query(1))));
    waitUntil("b closed its connections", () -> b.transport.connections().isEmpty());
  }
}
