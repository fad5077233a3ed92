package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;
import org.kith.node.MutableClock;
import org.kith.node.TestModel;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.peers.HostPort;
import org.kith.node.peers.ListenConfig;
import org.kith.protocol.identity.KeyPair;
import org.kith.storage.KdfProfile;

/**
 * The room's dial-back check (spec/PROTOCOL.md 12.5) on loopback: a real room, real member nodes, real handshakes.
 * Members connect to the room at 127.0.0.1, so the room observes them at 127.0.0.1.
 */
class DialBackTest {
  private static final char[] PASS = "dial-back test passphrase".toCharArray();

  private Path root;
  private RoomHome roomHome;
  private RoomServer room;
  private HostPort roomAddress;
  private final MutableClock roomClock = MutableClock.now();
  private final List<KithNode> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createTempDirectory("kith-dialback");
    roomHome = RoomHome.init(root.resolve("room"), "Elm Street");
    room = new RoomServer(roomHome, RoomLimits.defaults(), roomClock, null);
    roomAddress = new HostPort("127.0.0.1", room.listen("127.0.0.1", 0).getPort());
  }

  @AfterEach
  void tearDown() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
    room.close();
    TestModel.deleteTree(root);
  }

  private KithNode node(String name, String host) throws KithException {
    KithNode.Options o = KithNode.Options.of(d -> FakeEmbedder.flavour('f')).withTransport(MiniCluster.fastConfig())
        .withKdf(KdfProfile.TESTING_ONLY_INSECURE);
    KithNode n = KithNode.init(new Home(root.resolve(name)), PASS, name, o);
    nodes.add(n);
    n.start(new ListenConfig(host, 0));
    return n;
  }

  private KithNode member(String name, String host) throws KithException {
    KithNode n = node(name, host);
    long expires = Clock.systemUTC().instant().getEpochSecond() + 3600;
    String code = new RoomCode(room.id(), roomHome.newInvite(expires, Clock.systemUTC()), expires, roomAddress).text();
    n.rooms().join(code, Duration.ofSeconds(20));
    MiniCluster.await("a connection to the room", () -> n.rooms().connected(room.id()));
    return n;
  }

  private static int port(KithNode n) {
    return n.transport().listenAddress().orElseThrow().getPort();
  }

  private static Reachability.Check check(KithNode n, int port) throws Exception {
    return n.rooms().dialBack(port).get(MiniCluster.AWAIT_LIMIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void theRoomDialsTheMemberBack_atItsObservedAddress_andTheMemberKeepsNothingOfIt() throws Exception {
    KithNode alice = member("alice", "127.0.0.1");
    Reachability.Check c = check(alice, port(alice));
    assertEquals("REACHED", c.result());
    assertEquals("127.0.0.1", c.host());
    assertEquals(port(alice), c.port());
    assertEquals("Elm Street", c.room());
    // The room's key is not a peer: its connection falls under the unpaired rules and is gone once the room closed.
    MiniCluster.await("the dial-back connection is gone", () -> alice.transport().counts().unpaired() == 0
        && alice.transport().counts().handshakes() == 0);
    assertTrue(alice.transport().connection(room.id()).isEmpty());
    assertTrue(alice.peerBook().paired().isEmpty());
  }

  @Test
  void theRoomDialsOnlyTheAddressItSeesTheMemberAt_neverOneTheMemberNames() throws Exception {
    // Alice listens on 127.0.0.2 but reaches the room from 127.0.0.1: the room dials 127.0.0.1 and finds nobody.
    KithNode alice = member("alice", "127.0.0.2");
    Reachability.Check c = check(alice, port(alice));
    assertEquals("127.0.0.1", c.host());
    assertEquals("NO_ANSWER", c.result());
  }

  @Test
  void anotherKeyAtThatPort_isWrongKey_andAClosedPortIsNoAnswer() throws Exception {
    KithNode alice = member("alice", "127.0.0.1");
    KithNode bob = node("bob", "127.0.0.1");
    assertEquals("WRONG_KEY", check(alice, port(bob)).result());
    assertTrue(bob.peerBook().paired().isEmpty());
    roomClock.advance(DialBacks.EVERY);
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertEquals("NO_ANSWER", check(alice, closed).result());
  }

  @Test
  void aSecondAskWithinAMinute_isLimit_andChangesNothing() throws Exception {
    KithNode alice = member("alice", "127.0.0.1");
    assertEquals("REACHED", check(alice, port(alice)).result());
    roomClock.advance(DialBacks.EVERY.minusSeconds(1));
    assertEquals("LIMIT", check(alice, port(alice)).result());
    roomClock.advance(Duration.ofSeconds(1));
    assertEquals("REACHED", check(alice, port(alice)).result());
  }

  @Test
  void dialBackOnAnythingButAMembersControlConnection_isRefused() throws Exception {
    KithNode alice = member("alice", "127.0.0.1");
    try (KeyPair stranger = KeyPair.generate(); KeyPair own = alice.identity().keyPair().copy();
        Rooms probe = new Rooms(alice.vault(), stranger, alice.transport(), x -> false, List::of, Clock.systemUTC(),
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(), Runnable::run)) {
      for (KeyPair k : new KeyPair[] {stranger, own}) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> RoomClient.ask(probe.group(),
            roomAddress.toSocketAddress(), room.id(), k, 10_000, RoomMessage.dialBack(port(alice)), null)
            .get(MiniCluster.AWAIT_LIMIT.toSeconds(), TimeUnit.SECONDS));
        RoomClient.RoomRefusedException r = assertInstanceOf(RoomClient.RoomRefusedException.class, e.getCause());
        assertEquals(RoomMessage.Code.MALFORMED, r.code());
      }
    }
    // Alice's own control connection still works.
    assertEquals("REACHED", check(alice, port(alice)).result());
  }

  @Test
  void aNodeListeningBeyondLoopback_isCheckedWhenARoomWelcomesIt_andItsInvitesPutTheVerifiedAddressFirst()
      throws Exception {
    KithNode alice = member("alice", "0.0.0.0");
    List<List<String>> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    alice.reachability().onChange(heard::add);
    String expected = "tcp:127.0.0.1:" + port(alice);
    MiniCluster.await("verified by the room's dial-back", () -> alice.reachability().verified().contains(expected));
    Reachability.Snapshot s = alice.reachability().snapshot();
    assertEquals(Reachability.State.VERIFIED, s.state());
    assertEquals("Elm Street", s.verifiedBy());
    assertEquals("127.0.0.1:" + port(alice), alice.advertised().get(0));
    assertTrue(alice.pairing().invite("neighbours", Duration.ofHours(1), 1).addresses().get(0)
        .equals("127.0.0.1:" + port(alice)));
    assertTrue(heard.isEmpty() || heard.get(heard.size() - 1).contains(expected), heard.toString());
  }

  @Test
  void withoutARoom_theCheckFails_withAClearReason() throws Exception {
    KithNode alice = node("alice", "127.0.0.1");
    ExecutionException e = assertThrows(ExecutionException.class, () -> alice.rooms().dialBack(port(alice))
        .get(MiniCluster.AWAIT_LIMIT.toSeconds(), TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("not connected to a room"), e.getCause().getMessage());
  }
}
