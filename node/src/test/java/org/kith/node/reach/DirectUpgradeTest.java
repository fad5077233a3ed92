package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;
import org.kith.node.MutableClock;
import org.kith.node.TestModel;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.net.Dispatcher;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.Transport;
import org.kith.node.notes.Note;
import org.kith.node.peers.HostPort;
import org.kith.node.peers.ListenConfig;
import org.kith.node.records.Sharing;
import org.kith.protocol.identity.InviteCode;
import org.kith.storage.KdfProfile;

/**
 * The upgrade from a connection through a room to a direct one (spec/PROTOCOL.md 12.4), end to end on loopback
 * with a real room, vaults and sockets. Alice listens on 127.0.0.2, Bob on 127.0.0.3; the invite's TCP address is
 * unreachable, so they pair and first talk through the room at 127.0.0.1, then punch.
 */
class DirectUpgradeTest {
  private static final char[] PASS = "upgrade test passphrase".toCharArray();

  private Path root;
  private RoomHome roomHome;
  private RoomServer room;
  private HostPort roomAddress;
  private final AtomicLong relayedBytes = new AtomicLong();
  private final List<KithNode> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    Assumptions.assumeTrue(Transport.REUSE_PORT_SUPPORTED, "SO_REUSEPORT");
    root = Files.createTempDirectory("kith-upgrade");
    roomHome = RoomHome.init(root.resolve("room"), "Elm Street");
    room = new RoomServer(roomHome, RoomLimits.defaults(), Clock.systemUTC(),
        bytes -> relayedBytes.addAndGet(ByteBufUtil.getBytes(bytes).length));
    roomAddress = new HostPort("127.0.0.1", room.listen("127.0.0.1", 0).getPort());
  }

  @AfterEach
  void tearDown() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
    if (room != null) {
      room.close();
    }
    if (root != null) {
      TestModel.deleteTree(root);
    }
  }

  private KithNode node(String name, String host, Clock clock) throws KithException {
    KithNode n = started(name, host, clock);
    join(n);
    return n;
  }

  private KithNode started(String name, String host, Clock clock) throws KithException {
    KithNode.Options o = KithNode.Options.of(d -> FakeEmbedder.flavour('f')).withTransport(MiniCluster.fastConfig())
        .withKdf(KdfProfile.TESTING_ONLY_INSECURE).withClock(clock);
    KithNode n = KithNode.init(new Home(root.resolve(name)), PASS, name, o);
    nodes.add(n);
    n.start(new ListenConfig(host, 0));
    return n;
  }

  private void join(KithNode n) throws KithException {
    long expires = Clock.systemUTC().instant().getEpochSecond() + 3600;
    String code = new RoomCode(room.id(), roomHome.newInvite(expires, Clock.systemUTC()), expires, roomAddress).text();
    n.rooms().join(code, Duration.ofSeconds(20));
    MiniCluster.await("a connection to the room", () -> n.rooms().connected(room.id()));
  }

  private static void pairThroughRoom(KithNode alice, KithNode bob, HostPort roomAddress, RoomServer room)
      throws KithException {
    InviteCode real = alice.pairing().invite("neighbours", Duration.ofHours(1), 1);
    String viaRoom = "room:" + room.id().text() + "@" + roomAddress;
    InviteCode code = new InviteCode(real.inviter().key(), real.inviteId(), real.secret(), real.expiresAtSeconds(),
        List.of("127.0.0.1:1", viaRoom));
    bob.pairing().pair(code.text(), "alice", Duration.ofSeconds(20), true);
    MiniCluster.await("alice stored bob", () -> alice.peerBook().isPaired(bob.id()));
  }

  /** Connections that closed at {@code n}, in order. */
  private static List<PeerConnection> closedAt(KithNode n) {
    List<PeerConnection> closed = new CopyOnWriteArrayList<>();
    n.dispatcher().onConnection(new Dispatcher.Connections() {
      @Override
      public void onClosed(PeerConnection c) {
        closed.add(c);
      }
    });
    return closed;
  }

  private static boolean direct(KithNode n, KithNode peer) {
    return n.transport().connection(peer.id()).map(c -> c.via().isEmpty()).orElse(false);
  }

  @Test
  void membersConnectedThroughTheRoom_moveToADirectLink_theRoomsConnectionCloses_andAskingStillWorks()
      throws Exception {
    KithNode alice = node("alice", "127.0.0.2", Clock.systemUTC());
    KithNode bob = node("bob", "127.0.0.3", Clock.systemUTC());
    List<PeerConnection> closedAtBob = closedAt(bob);
    assertEquals(List.of(new InetSocketAddress("127.0.0.1", alice.transport().listenAddress().orElseThrow().getPort())),
        alice.rooms().observed(), "the room saw alice's control connection come from her listen port");
    pairThroughRoom(alice, bob, roomAddress, room);
    Note n = alice.notes().add("the pear tree behind the old mill has ripe fruit", List.of());
    alice.sharing().shareNote(n, "neighbours", 1, Sharing.DEFAULT_SHARE_EXPIRY);

    MiniCluster.await("bob reaches alice directly", () -> direct(bob, alice) && direct(alice, bob));
    MiniCluster.await("the connection through the room closed at bob",
        () -> closedAtBob.stream().anyMatch(c -> c.via().isPresent()));
    PeerConnection c = bob.transport().connection(alice.id()).orElseThrow();
    assertEquals("lan", Rooms.link(c), "loopback reads as the LAN");
    assertTrue(c.punched());
    assertFalse(c.inbound(), "bob dialled through the room, so bob stays the SHS client");
    assertFalse(alice.transport().connection(bob.id()).orElseThrow().inbound() == c.inbound());
    DirectUpgrade.Outcome o = bob.directUpgrade().outcome(alice.id()).orElseThrow();
    assertEquals("direct", o.state());
    assertTrue(o.tries() >= 1 && o.tries() <= 3, o.toString());
    MiniCluster.await("alice counted it too", () -> alice.directUpgrade().outcome(bob.id())
        .map(x -> x.state().equals("direct")).orElse(false));

    // What `kith peers --json` shows.
    org.kith.node.api.Router api = new org.kith.node.api.Router(bob);
    com.google.gson.JsonObject peer = api.handle(new org.kith.node.api.Router.Request("GET", "/v1/peers", null, null))
        .getAsJsonArray().get(0).getAsJsonObject();
    assertEquals("lan", peer.get("link").getAsString());
    assertEquals("direct", peer.getAsJsonObject("upgrade").get("state").getAsString());

    long relayed = relayedBytes.get();
    assertEquals(1, bob.queries().ask("pear tree old mill", 5, 1, Duration.ofSeconds(20)).answered());
    MiniCluster.await("bob synced alice's record", () -> !bob.records().peerRecords(x -> true).isEmpty());
    assertEquals(relayed, relayedBytes.get(), "nothing more went through the room");
  }

  @Test
  void aPeerWhoseCandidatesAreAllDead_staysOnTheRoomAfterThreeTries_andIsNotTriedAgainForTenMinutes()
      throws Exception {
    MutableClock clock = MutableClock.now();
    KithNode alice = node("alice", "127.0.0.2", Clock.systemUTC());
    KithNode bob = node("bob", "127.0.0.3", clock);
    for (KithNode k : List.of(alice, bob)) {
      InetSocketAddress dead;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        dead = (InetSocketAddress) s.getLocalSocketAddress();
      }
      k.directUpgrade().listenAddresses(List::of);
      k.directUpgrade().observed(() -> List.of(dead));
    }
    pairThroughRoom(alice, bob, roomAddress, room);
    MiniCluster.await("three failed tries", () -> bob.directUpgrade().outcome(alice.id())
        .map(o -> o.state().equals("relayed")).orElse(false));
    assertEquals(3, bob.directUpgrade().outcome(alice.id()).orElseThrow().tries());
    assertEquals("room Elm Street", Rooms.link(bob.transport().connection(alice.id()).orElseThrow()));
    // Alice asks: bob's clock stands still, so a deadline bob set would lie in alice's past.
    assertEquals(1, alice.queries().ask("anything", 5, 1, Duration.ofSeconds(20)).answered(), "the room carries on");
    assertTrue(bob.peerBook().isPaired(alice.id()));
    assertEquals(1, bob.directUpgrade().started());

    long ticks = bob.directUpgrade().ticks();
    MiniCluster.await("two more looks at the connection", () -> bob.directUpgrade().ticks() >= ticks + 2);
    assertEquals(1, bob.directUpgrade().started(), "not tried again before ten minutes on bob's clock");
    clock.advance(DirectUpgrade.RETRY_AFTER.plusSeconds(1));
    MiniCluster.await("tried again after ten minutes", () -> bob.directUpgrade().started() >= 2);
  }

  @Test
  void badUpgradeRequests_getAClearError_andChangeNothing() throws Exception {
    KithNode alice = node("alice", "127.0.0.2", Clock.systemUTC());
    KithNode bob = node("bob", "127.0.0.3", Clock.systemUTC());
    bob.directUpgrade().enabled(false); // bob sends by hand below
    pairThroughRoom(alice, bob, roomAddress, room);
    MiniCluster.await("a connection", () -> bob.transport().connection(alice.id()).isPresent());
    PeerConnection c = bob.transport().connection(alice.id()).orElseThrow();
    com.google.protobuf.ByteString ok = com.google.protobuf.ByteString.copyFrom(
        org.kith.protocol.frame.Endpoint.encode(new InetSocketAddress("127.0.0.1", 9)));
    org.kith.protocol.proto.Upgrade nine = org.kith.protocol.proto.Upgrade.newBuilder().setAttempt(1)
        .addAllCandidates(java.util.Collections.nCopies(9, ok)).build();
    assertRefused(c, nine, org.kith.protocol.proto.ErrorCode.TOO_LARGE, "at most 8");
    org.kith.protocol.proto.Upgrade badPort = org.kith.protocol.proto.Upgrade.newBuilder().setAttempt(1)
        .addCandidates(com.google.protobuf.ByteString.copyFrom(new byte[] {4, 127, 0, 0, 1, 0, 0})).build();
    assertRefused(c, badPort, org.kith.protocol.proto.ErrorCode.MALFORMED, "port 0");
    org.kith.protocol.proto.Upgrade syncFirst = org.kith.protocol.proto.Upgrade.newBuilder().setAttempt(1)
        .setSync(true).build();
    assertRefused(c, syncFirst, org.kith.protocol.proto.ErrorCode.MALFORMED, "nothing was dialled");
    assertTrue(alice.directUpgrade().outcome(bob.id()).isEmpty(), "alice started nothing");
    assertEquals("room Elm Street", Rooms.link(bob.transport().connection(alice.id()).orElseThrow()));
    assertEquals(1, bob.queries().ask("anything", 5, 1, Duration.ofSeconds(20)).answered());
  }

  @Test
  void whenTheListenPortCannotBeShared_theRoomIsDialledFromAnEphemeralPort() throws Exception {
    KithNode alice = started("alice", "127.0.0.2", Clock.systemUTC());
    int port = alice.transport().listenAddress().orElseThrow().getPort();
    // A socket without SO_REUSEPORT on 127.0.0.1 at the listen port: the dial's bind of that port fails.
    try (java.net.ServerSocket blocker = new java.net.ServerSocket()) {
      blocker.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
      join(alice);
      InetSocketAddress seen = alice.rooms().observed().get(0);
      assertFalse(seen.getPort() == port, "dialled from an ephemeral port: " + seen);
    }
  }

  private static void assertRefused(PeerConnection c, org.kith.protocol.proto.Upgrade u,
      org.kith.protocol.proto.ErrorCode code, String says) {
    java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.ExecutionException.class,
        () -> c.request(org.kith.protocol.proto.FrameType.UPGRADE, u).get(30, java.util.concurrent.TimeUnit.SECONDS));
    org.kith.node.net.ErrorFrameException x = org.junit.jupiter.api.Assertions.assertInstanceOf(
        org.kith.node.net.ErrorFrameException.class, e.getCause());
    assertEquals(code, x.code());
    assertTrue(x.getMessage().contains(says), x.getMessage());
  }
}
