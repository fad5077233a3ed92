package org.kith.node.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;
import org.kith.node.MutableClock;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.PairAccept;
import org.kith.protocol.proto.PairRequest;
import org.kith.protocol.proto.Query;

/**
 * Who gets a connection when strangers crowd the port (issue 10): separate budgets for handshakes, unpaired
 * keys, peers and the node's own dials; per-source-address limits; the unpaired key's one PAIR_REQUEST and
 * its deadline on the transport's clock; "busy" told after the handshake. Real sockets on loopback; strangers
 * connect from addresses of 127.0.0.0/8 other than 127.0.0.1 where a test needs several sources.
 */
class AdmissionTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** Safety timers far beyond any test, so none fires on a busy machine; keepalive never. */
  static TransportConfig quiet() {
    return TransportConfig.defaults()
        .withRequestLimits(64, 100_000, 100_000)
        .withTimers(Duration.ofSeconds(120), Duration.ofMinutes(20), Duration.ofMinutes(10), Duration.ofSeconds(60))
        .withReconnect(Duration.ofMillis(50), Duration.ofMillis(400));
  }

  /** A node whose peers are a set of keys; PAIR_REQUEST is open to anyone and may make the asker a peer. */
  final class Server implements RequestHandler, Admission, AutoCloseable {
    final KeyPair identity = KeyPair.generate();
    final MutableClock clock = MutableClock.now();
    final Set<PublicId> peers = ConcurrentHashMap.newKeySet();
    final AtomicInteger pairRequests = new AtomicInteger();
    volatile boolean pairingMakesPeer;
    volatile CompletableFuture<Response> hold;
    final Transport transport;
    final InetSocketAddress address;

    Server(TransportConfig config) throws IOException {
      transport = new Transport(config, identity, NetworkKey.KITH_V1, this, this, clock);
      open.add(this);
      address = transport.listen("127.0.0.1", 0);
    }

    PublicId id() {
      return identity.id();
    }

    @Override
    public CompletableFuture<Response> handle(PeerConnection from, Frame request) {
      if (request.getHeader().getType() == FrameType.QUERY) {
        return CompletableFuture.completedFuture(new Response(FrameType.ANSWER,
            Answer.newBuilder().setQueryId(ByteString.copyFrom(new byte[16])).build()));
      }
      pairRequests.incrementAndGet();
      if (pairingMakesPeer) {
        peers.add(from.remote());
      }
      CompletableFuture<Response> h = hold;
      return h != null ? h : CompletableFuture.completedFuture(accept());
    }

    @Override
    public void onMessage(PeerConnection from, Frame message) {}

    @Override
    public boolean admitHandshake(PublicId client) {
      return true;
    }

    @Override
    public boolean allow(PublicId peer, FrameType type) {
      return type == FrameType.PAIR_REQUEST || peers.contains(peer);
    }

    @Override
    public boolean isPeer(PublicId key) {
      return peers.contains(key);
    }

    @Override
    public void close() {
      transport.close();
    }
  }

  static Response accept() {
    return new Response(FrameType.PAIR_ACCEPT, PairAccept.newBuilder().setPetname("server").build());
  }

  /** A well-behaved node that dials (it admits everyone as a peer, like the tests' TestNode). */
  Transport client(KeyPair identity) {
    Transport t = new Transport(quiet(), identity, NetworkKey.KITH_V1,
        (from, request) -> CompletableFuture.failedFuture(new IllegalStateException("not asked")),
        Admission.everyone());
    open.add(t);
    return t;
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(MiniCluster.AWAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    return fail("expected a failure");
  }

  static Query query() {
    return Query.newBuilder().setQueryId(ByteString.copyFrom(new byte[16])).setText("ladder").setHops(1).setK(5)
        .setDeadlineUnixMs(4_000_000_000_000L).build();
  }

  static PairRequest pairRequest() {
    return PairRequest.newBuilder().setInviteId(ByteString.copyFrom(new byte[16]))
        .setProof(ByteString.copyFrom(new byte[32])).build();
  }

  Stranger stranger(Server s, String from) throws Exception {
    Stranger p = Stranger.connect(s.address, s.id(), from);
    open.add(p);
    return p;
  }

  Socket idle(Server s, String from) throws IOException {
    Socket sock = Stranger.idle(s.address, from);
    open.add(sock);
    return sock;
  }

  static void assertError(Frame f, long id, ErrorCode code) throws Exception {
    assertNotNull(f, "closed without an answer");
    assertEquals(FrameType.ERROR, f.getHeader().getType(), f.toString());
    assertEquals(id, f.getHeader().getRequestId());
    assertEquals(code, PeerConnection.toException(f).code());
  }

  // ---- the unpaired key's one request

  @Test
  void unpairedKey_ping_isRefusedAndClosed_whileAPeersPingIsAnswered() throws Exception {
    Server server = new Server(quiet());
    Stranger stranger = stranger(server, "127.0.0.1");
    long id = stranger.ping();
    assertError(stranger.answer(), id, ErrorCode.NOT_PAIRED);
    assertNull(stranger.next(), "closed after the refusal");

    KeyPair peerKey = KeyPair.generate();
    server.peers.add(peerKey.id());
    Stranger peer = Stranger.connect(server.address, server.id(), "127.0.0.1", peerKey);
    open.add(peer);
    long pid = peer.ping();
    Frame pong = peer.answer();
    assertEquals(FrameType.PONG, pong.getHeader().getType());
    assertEquals(pid, pong.getHeader().getRequestId());
  }

  @Test
  void unpairedKey_anyOtherRequest_orASecondPairRequest_isRefusedAndClosed() throws Exception {
    Server server = new Server(quiet());
    Stranger asker = stranger(server, "127.0.0.1");
    long id = asker.request(FrameType.QUERY, query());
    assertError(asker.answer(), id, ErrorCode.NOT_PAIRED);
    assertNull(asker.next());

    CompletableFuture<Response> held = new CompletableFuture<>();
    server.hold = held;
    Stranger twice = stranger(server, "127.0.0.1");
    long first = twice.request(FrameType.PAIR_REQUEST, pairRequest());
    long second = twice.request(FrameType.PAIR_REQUEST, pairRequest());
    List<Frame> got = twice.readUntilClosed();
    assertError(got.stream().filter(f -> f.getHeader().getType() != FrameType.HELLO).findFirst().orElse(null),
        second, ErrorCode.NOT_PAIRED);
    assertTrue(got.stream().noneMatch(f -> f.getHeader().getRequestId() == first), got.toString());
    assertEquals(1, server.pairRequests.get());
  }

  @Test
  void unpairedKey_pairRequestAnswered_thenClosed() throws Exception {
    Server server = new Server(quiet());
    Stranger stranger = stranger(server, "127.0.0.1");
    long id = stranger.request(FrameType.PAIR_REQUEST, pairRequest());
    Frame accept = stranger.answer();
    assertEquals(FrameType.PAIR_ACCEPT, accept.getHeader().getType());
    assertEquals(id, accept.getHeader().getRequestId());
    assertNull(stranger.next(), "not a peer after the answer: closed");
    MiniCluster.await("no unpaired connection left", () -> server.transport.counts().unpaired() == 0);
  }

  @Test
  void pairingMakesThePeer_theConnectionStays_inThePeersBudget_andIsKeptAlive() throws Exception {
    Server server = new Server(quiet());
    server.pairingMakesPeer = true;
    Stranger invitee = stranger(server, "127.0.0.1");
    invitee.request(FrameType.PAIR_REQUEST, pairRequest());
    assertEquals(FrameType.PAIR_ACCEPT, invitee.answer().getHeader().getType());
    long ping = invitee.ping();
    Frame pong = invitee.answer();
    assertEquals(FrameType.PONG, pong.getHeader().getType());
    assertEquals(ping, pong.getHeader().getRequestId());
    Transport.Counts c = server.transport.counts();
    assertEquals(1, c.peers());
    assertEquals(0, c.unpaired());
  }

  @Test
  void unpairedKey_isClosedAtItsDeadline_onTheTransportsClock() throws Exception {
    Server server = new Server(quiet());
    Stranger silent = stranger(server, "127.0.0.1");
    assertEquals(FrameType.HELLO, silent.next().getHeader().getType()); // sent once the deadline runs
    server.clock.advance(TransportConfig.UNPAIRED_TIMEOUT);
    assertEquals(List.of(), silent.readUntilClosed());
    MiniCluster.await("its slot freed", () -> server.transport.counts().unpaired() == 0);
  }

  @Test
  void unpairedKey_justBeforeItsDeadline_mayStillAsk() throws Exception {
    Server server = new Server(quiet());
    Stranger slow = stranger(server, "127.0.0.1");
    assertEquals(FrameType.HELLO, slow.next().getHeader().getType());
    server.clock.advance(TransportConfig.UNPAIRED_TIMEOUT.minusMillis(1));
    slow.request(FrameType.PAIR_REQUEST, pairRequest());
    assertEquals(FrameType.PAIR_ACCEPT, slow.answer().getHeader().getType());
  }

  // ---- budgets

  @Test
  void strangersPinging_keepNoSlot_aPeerStillConnects_andTheNodesOwnDialsWork() throws Exception {
    Server server = new Server(quiet());
    Server elsewhere = new Server(quiet());
    // More strangers than the old shared limit of 64 slots, from 14 addresses, each pinging to stay.
    List<Stranger> strangers = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      Stranger s = stranger(server, "127.0.2." + (1 + i % 14));
      s.ping();
      strangers.add(s);
    }
    for (Stranger s : strangers) {
      // NOT_PAIRED and a close; or only the close, for one that a newer stranger from its address displaced
      // before its PING was read. Never a PONG.
      Frame f = s.answer();
      if (f != null) {
        assertError(f, 1, ErrorCode.NOT_PAIRED);
        assertNull(s.next());
      }
    }
    MiniCluster.await("no unpaired connection left", () -> server.transport.counts().unpaired() == 0);

    KeyPair peerKey = KeyPair.generate();
    server.peers.add(peerKey.id());
    PeerConnection c = await(client(peerKey).connect(server.address, server.id()));
    assertEquals(FrameType.ANSWER, await(c.request(FrameType.QUERY, query())).getHeader().getType());

    elsewhere.peers.add(server.id());
    PeerConnection dial = await(server.transport.connect(elsewhere.address, elsewhere.id()));
    assertEquals(FrameType.ANSWER, await(dial.request(FrameType.QUERY, query())).getHeader().getType());
  }

  @Test
  void silentSocketFlood_doesNotStopAPeer_orTheNodesOwnDials() throws Exception {
    Server server = new Server(quiet());
    Server elsewhere = new Server(quiet());
    // 100 sockets that never send a byte: from 20 other addresses, and 10 from the peer's own address.
    for (int i = 0; i < 90; i++) {
      idle(server, "127.0.3." + (1 + i % 20));
    }
    for (int i = 0; i < 10; i++) {
      idle(server, "127.0.0.1");
    }
    MiniCluster.await("the flood accepted", () -> server.transport.counts().handshakes()
        == TransportConfig.MAX_HANDSHAKES);

    KeyPair peerKey = KeyPair.generate();
    server.peers.add(peerKey.id());
    PeerConnection c = await(client(peerKey).connect(server.address, server.id()));
    assertEquals(FrameType.ANSWER, await(c.request(FrameType.QUERY, query())).getHeader().getType());
    assertEquals(1, server.transport.counts().peers());

    elsewhere.peers.add(server.id());
    PeerConnection dial = await(server.transport.connect(elsewhere.address, elsewhere.id()));
    assertEquals(FrameType.ANSWER, await(dial.request(FrameType.QUERY, query())).getHeader().getType());
    assertTrue(server.transport.counts().handshakes() <= TransportConfig.MAX_HANDSHAKES);
  }

  @Test
  void handshakesPerAddress_theOldestGivesWay_otherAddressesUnaffected() throws Exception {
    Server server = new Server(quiet());
    List<Socket> from4 = new ArrayList<>();
    for (int i = 0; i < TransportConfig.MAX_HANDSHAKES_PER_ADDRESS; i++) {
      from4.add(idle(server, "127.0.4.1"));
      int accepted = i + 1; // one at a time, so that the server's order of arrival is ours
      MiniCluster.await("accepted", () -> server.transport.counts().handshakes() == accepted);
    }
    idle(server, "127.0.4.1");
    Stranger.awaitClosed(from4.get(0));
    MiniCluster.await("one address at its limit", () -> server.transport.counts().handshakes()
        == TransportConfig.MAX_HANDSHAKES_PER_ADDRESS);
    idle(server, "127.0.4.2");
    MiniCluster.await("another address counted apart", () -> server.transport.counts().handshakes()
        == TransportConfig.MAX_HANDSHAKES_PER_ADDRESS + 1);
  }

  @Test
  void unpairedPerAddress_theOldestIdleGivesWay_otherAddressesUnaffected() throws Exception {
    Server server = new Server(quiet());
    List<Stranger> from5 = new ArrayList<>();
    for (int i = 0; i <= TransportConfig.MAX_UNPAIRED_SESSIONS_PER_ADDRESS; i++) {
      from5.add(stranger(server, "127.0.5.1"));
    }
    List<Frame> got = from5.get(0).readUntilClosed();
    assertTrue(got.stream().allMatch(f -> f.getHeader().getType() == FrameType.HELLO), got.toString());
    MiniCluster.await("one address at its limit", () -> server.transport.counts().unpaired()
        == TransportConfig.MAX_UNPAIRED_SESSIONS_PER_ADDRESS);
    stranger(server, "127.0.5.2");
    MiniCluster.await("another address counted apart", () -> server.transport.counts().unpaired()
        == TransportConfig.MAX_UNPAIRED_SESSIONS_PER_ADDRESS + 1);
    // The newest from the full address still asks and is answered.
    Stranger newest = from5.get(from5.size() - 1);
    newest.request(FrameType.PAIR_REQUEST, pairRequest());
    assertEquals(FrameType.PAIR_ACCEPT, newest.answer().getHeader().getType());
  }

  @Test
  void unpairedBudget_fullOfRequestsBeingAnswered_newcomerIsToldBusy_notDroppedMidHandshake() throws Exception {
    Server server = new Server(quiet().withStrangerLimits(32, 8, 1, 1, TransportConfig.UNPAIRED_TIMEOUT));
    CompletableFuture<Response> held = new CompletableFuture<>();
    server.hold = held;
    Stranger first = stranger(server, "127.0.6.1");
    long firstId = first.request(FrameType.PAIR_REQUEST, pairRequest());
    MiniCluster.await("the first request being answered", () -> server.pairRequests.get() == 1);

    Stranger second = stranger(server, "127.0.6.2");
    List<Frame> got = second.readUntilClosed();
    assertEquals(FrameType.HELLO, got.get(0).getHeader().getType(), got.toString());
    assertError(got.get(1), 0, ErrorCode.RATE_LIMITED);
    assertEquals(2, got.size(), got.toString());

    // The node's own client reads it as "busy", not as a lost connection.
    PeerConnection c = await(client(KeyPair.generate()).connect(server.address, server.id()));
    ErrorFrameException busy = assertInstanceOf(ErrorFrameException.class,
        failure(c.request(FrameType.PAIR_REQUEST, pairRequest())));
    assertEquals(ErrorCode.RATE_LIMITED, busy.code());
    assertTrue(busy.wireMessage().startsWith("busy"), busy.wireMessage());

    held.complete(accept());
    Frame answer = first.answer();
    assertEquals(FrameType.PAIR_ACCEPT, answer.getHeader().getType());
    assertEquals(firstId, answer.getHeader().getRequestId());
    assertNull(first.next());
    server.hold = null;
    MiniCluster.await("room again", () -> server.transport.counts().unpaired() == 0
        && server.transport.counts().handshakes() == 0);
    Stranger third = stranger(server, "127.0.6.2");
    third.request(FrameType.PAIR_REQUEST, pairRequest());
    assertEquals(FrameType.PAIR_ACCEPT, third.answer().getHeader().getType());
  }

  @Test
  void peersBudget_full_refusesANewKey_butARestartedPeerReplacesItsConnection() throws Exception {
    Server server = new Server(quiet().withMaxConnections(1));
    KeyPair p = KeyPair.generate();
    KeyPair q = KeyPair.generate();
    server.peers.add(p.id());
    server.peers.add(q.id());
    PeerConnection before = await(client(p).connect(server.address, server.id()));
    assertEquals(FrameType.ANSWER, await(before.request(FrameType.QUERY, query())).getHeader().getType());
    ConnectFailedException refused = assertInstanceOf(ConnectFailedException.class,
        failure(client(q).connect(server.address, server.id())));
    assertEquals(ConnectFailedException.Reason.REFUSED, refused.reason());
    // p restarted: a new process with the same key, while the server still holds the old connection.
    PeerConnection after = await(client(p).connect(server.address, server.id()));
    assertEquals(FrameType.ANSWER, await(after.request(FrameType.QUERY, query())).getHeader().getType());
    MiniCluster.await("the old connection replaced", () -> !before.isOpen());
    MiniCluster.await("one peer connection", () -> server.transport.counts().peers() == 1);
  }

  @Test
  void outboundBudget_isTheNodesOwn() throws Exception {
    Server a = new Server(quiet());
    Server b = new Server(quiet());
    b.peers.add(a.id());
    Transport dialler = new Transport(quiet().withMaxOutbound(1), KeyPair.generate(), NetworkKey.KITH_V1,
        (from, r) -> CompletableFuture.failedFuture(new IllegalStateException()), Admission.everyone());
    open.add(dialler);
    a.peers.add(dialler.localId());
    b.peers.add(dialler.localId());
    PeerConnection first = await(dialler.connect(a.address, a.id()));
    ConnectFailedException e = assertInstanceOf(ConnectFailedException.class,
        failure(dialler.connect(b.address, b.id())));
    assertEquals(ConnectFailedException.Reason.TOO_MANY_CONNECTIONS, e.reason());
    first.close();
    MiniCluster.await("its slot back", () -> dialler.counts().outbound() == 0);
    assertTrue(await(dialler.connect(b.address, b.id())).isOpen());
  }
}
