package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
import org.kith.node.TestModel;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.net.PeerConnection;
import org.kith.node.notes.Note;
import org.kith.node.peers.HostPort;
import org.kith.node.peers.ListenConfig;
import org.kith.node.query.Asking;
import org.kith.node.records.Sharing;
import org.kith.protocol.identity.InviteCode;
import org.kith.protocol.identity.KeyPair;
import org.kith.storage.KdfProfile;

/**
 * A room and member nodes on loopback, with real sockets, vaults and handshakes. The nodes listen on
 * 127.0.0.2 and 127.0.0.3 while every address they hand out is unreachable, so everything between them goes
 * through the room at 127.0.0.1.
 */
class RoomTest {
  private static final char[] PASS = "room test passphrase".toCharArray();
  private static final String SECRET_TEXT = "the pear tree behind the old mill has ripe fruit";

  private Path root;
  private RoomHome roomHome;
  private RoomServer room;
  private HostPort roomAddress;
  private final ByteArrayOutputStream relayed = new ByteArrayOutputStream();
  private final List<KithNode> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createTempDirectory("kith-room");
    roomHome = RoomHome.init(root.resolve("room"), "Elm Street");
    room = new RoomServer(roomHome, RoomLimits.defaults(), Clock.systemUTC(), bytes -> {
      synchronized (relayed) {
        relayed.writeBytes(ByteBufUtil.getBytes(bytes));
      }
    });
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
    // Everything here goes through the room: the upgrade to direct has tests of its own (DirectUpgradeTest).
    n.directUpgrade().enabled(false);
    n.start(new ListenConfig(host, 0));
    return n;
  }

  private String roomCode() throws KithException {
    long expires = Clock.systemUTC().instant().getEpochSecond() + 3600;
    return new RoomCode(room.id(), roomHome.newInvite(expires, Clock.systemUTC()), expires, roomAddress).text();
  }

  private void joinRoom(KithNode n) throws KithException {
    Rooms.Room r = n.rooms().join(roomCode(), Duration.ofSeconds(20));
    assertEquals("Elm Street", r.name());
    MiniCluster.await("a connection to the room", () -> n.rooms().connected(room.id()));
  }

  private String relayedText() {
    synchronized (relayed) {
      return relayed.toString(StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void membersUnreachableDirectly_pairAndAskThroughTheRoom_whichSeesNoPlaintext() throws Exception {
    KithNode alice = node("alice", "127.0.0.2");
    KithNode bob = node("bob", "127.0.0.3");
    joinRoom(alice);
    joinRoom(bob);
    assertEquals(2, room.memberCount());

    InviteCode real = alice.pairing().invite("neighbours", Duration.ofHours(1), 1);
    String viaRoom = "room:" + room.id().text() + "@" + roomAddress;
    assertTrue(real.addresses().contains(viaRoom), "an invite carries the room: " + real.addresses());
    // Every TCP address in the invite is unreachable; only the room remains.
    InviteCode code = new InviteCode(real.inviter().key(), real.inviteId(), real.secret(), real.expiresAtSeconds(),
        List.of("127.0.0.1:1", viaRoom));
    bob.pairing().pair(code.text(), "alice", Duration.ofSeconds(20), true);
    assertTrue(bob.peerBook().isPaired(alice.id()));
    MiniCluster.await("alice stored bob", () -> alice.peerBook().isPaired(bob.id()));

    Note n = alice.notes().add(SECRET_TEXT, List.of());
    alice.sharing().shareNote(n, "neighbours", 1, Sharing.DEFAULT_SHARE_EXPIRY);
    MiniCluster.await("bob reaches alice through the room", () -> bob.transport().connection(alice.id()).isPresent());
    PeerConnection c = bob.transport().connection(alice.id()).orElseThrow();
    assertEquals("room Elm Street", Rooms.link(c));
    // What `kith peers --json` and `kith status --json` show.
    org.kith.node.api.Router api = new org.kith.node.api.Router(bob);
    com.google.gson.JsonObject peer = api.handle(new org.kith.node.api.Router.Request("GET", "/v1/peers", null, null))
        .getAsJsonArray().get(0).getAsJsonObject();
    assertEquals("room Elm Street", peer.get("link").getAsString());
    com.google.gson.JsonObject status = api.handle(new org.kith.node.api.Router.Request("GET", "/v1/status", null,
        null)).getAsJsonObject();
    com.google.gson.JsonObject r0 = status.getAsJsonArray("rooms").get(0).getAsJsonObject();
    assertEquals("Elm Street", r0.get("name").getAsString());
    assertTrue(r0.get("connected").getAsBoolean());
    assertTrue(status.getAsJsonArray("reachableAt").toString().contains(viaRoom), status.toString());

    Asking.AskResult r = bob.queries().ask("pear tree old mill", 5, 1, Duration.ofSeconds(20));
    assertEquals(1, r.answered(), "alice answered through the room");
    // Alice's answer, or her record already synced through the room (the tunnel is up at once now, so a sync
    // may beat the question): by her either way.
    assertTrue(r.items().stream().anyMatch(i -> i.author().equals("alice") && i.snippet().contains("pear tree")),
        "found: " + r.items());
    MiniCluster.await("bob synced alice's record", () -> !bob.records().peerRecords(x -> true).isEmpty());

    String wire = relayedText();
    assertTrue(wire.length() > 1000, "the room relayed the handshake, query and sync: " + wire.length());
    assertFalse(wire.contains("pear tree"), "the room saw plaintext");
    assertFalse(wire.contains("old mill"), "the room saw plaintext");
    assertFalse(wire.contains("neighbours"), "the room saw plaintext");
  }

  /** Pairs {@code bob} with {@code alice} through the room alone (the invite's TCP address is unreachable). */
  private void pairThroughRoom(KithNode alice, KithNode bob) throws KithException {
    InviteCode real = alice.pairing().invite("neighbours", Duration.ofHours(1), 1);
    String viaRoom = "room:" + room.id().text() + "@" + roomAddress;
    InviteCode code = new InviteCode(real.inviter().key(), real.inviteId(), real.secret(), real.expiresAtSeconds(),
        List.of("127.0.0.1:1", viaRoom));
    bob.pairing().pair(code.text(), "alice", Duration.ofSeconds(20), true);
    MiniCluster.await("alice stored bob", () -> alice.peerBook().isPaired(bob.id()));
  }

  /**
   * Their address records carry the loopback addresses the nodes listen on, which this machine can reach; behind
   * real NAT they would not be. {@code who} holds for {@code peer} only the room, as the newest record it will
   * ever take, so reconnecting needs the room.
   */
  private void onlyThroughTheRoom(KithNode who, KithNode peer) throws KithException {
    MiniCluster.await("the peer's record arrived", () -> who.peerBook().get(peer.id()).orElseThrow().addressSeq() > 0);
    String viaRoom = "room:" + room.id().text() + "@" + roomAddress;
    org.kith.node.peers.Peer held = who.peerBook().get(peer.id()).orElseThrow();
    assertTrue(held.addresses().contains(viaRoom), "the record names the peer's room: " + held.addresses());
    org.kith.node.peers.Peer p = held.withAddressRecord(List.of(viaRoom), Long.MAX_VALUE);
    who.peerBook().put(p);
    who.peers().maintain(p);
  }

  @Test
  void aSyncOfMoreThan128KiB_goesThroughTheRoom_uncut() throws Exception {
    KithNode alice = node("alice", "127.0.0.2");
    KithNode bob = node("bob", "127.0.0.3");
    joinRoom(alice);
    joinRoom(bob);
    pairThroughRoom(alice, bob);
    int notes = 60;
    for (int i = 0; i < notes; i++) {
      Note n = alice.notes().add("garden note " + i + " " + "compost and mulch and seedlings ".repeat(90), List.of());
      alice.sharing().shareNote(n, "neighbours", 1, Sharing.DEFAULT_SHARE_EXPIRY);
    }
    MiniCluster.await("bob synced every record through the room",
        () -> bob.records().peerRecords(x -> true).size() == notes);
    assertTrue(relayedText().length() > 160 * 1024, "relayed " + relayedText().length() + " bytes");
    assertEquals("room Elm Street", Rooms.link(bob.transport().connection(alice.id()).orElseThrow()));
  }

  @Test
  void afterTheRoomRestarts_membersAndTheirTunnelsComeBack() throws Exception {
    KithNode alice = node("alice", "127.0.0.2");
    KithNode bob = node("bob", "127.0.0.3");
    joinRoom(alice);
    joinRoom(bob);
    pairThroughRoom(alice, bob);
    MiniCluster.await("a tunnel", () -> bob.transport().connection(alice.id()).isPresent());
    onlyThroughTheRoom(alice, bob);
    onlyThroughTheRoom(bob, alice);
    room.close();
    MiniCluster.await("the tunnel closed with the room", () -> bob.transport().connection(alice.id()).isEmpty());
    MiniCluster.await("the members saw the room go",
        () -> !alice.rooms().connected(room.id()) && !bob.rooms().connected(room.id()));
    room = new RoomServer(roomHome, RoomLimits.defaults(), Clock.systemUTC(), null);
    room.listen("127.0.0.1", roomAddress.port());
    MiniCluster.await("both members back", () -> alice.rooms().connected(room.id()) && bob.rooms().connected(room.id()));
    assertEquals(2, room.memberCount(), "the room kept its members on disk");
    MiniCluster.await("a new tunnel", () -> bob.transport().connection(alice.id()).isPresent());
    assertEquals(1, bob.queries().ask("anything", 5, 1, Duration.ofSeconds(20)).answered());
  }

  @Test
  void aMemberOverItsTunnelLimit_isToldSo() throws Exception {
    room.close();
    room = new RoomServer(roomHome, RoomLimits.defaults().withTunnelsPerMember(1), Clock.systemUTC(), null);
    roomAddress = new HostPort("127.0.0.1", room.listen("127.0.0.1", 0).getPort());
    KithNode alice = node("alice", "127.0.0.2");
    KithNode bob = node("bob", "127.0.0.3");
    joinRoom(alice);
    joinRoom(bob);
    pairThroughRoom(alice, bob);
    MiniCluster.await("a tunnel", () -> bob.transport().connection(alice.id()).isPresent());
    try (KeyPair k = bob.identity().keyPair().copy(); Rooms probe = probe()) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> RoomClient.ask(probe.group(),
          roomAddress.toSocketAddress(), room.id(), k, 10_000, RoomMessage.connect(alice.id()), (ch, x) -> ch.close())
          .get(30, TimeUnit.SECONDS));
      RoomClient.RoomRefusedException r = assertInstanceOf(RoomClient.RoomRefusedException.class, e.getCause());
      assertEquals(RoomMessage.Code.LIMIT, r.code());
      assertTrue(r.getMessage().contains("at most 1"), r.getMessage());
    }
  }

  @Test
  void connectionsFromOneAddress_pastItsLimit_areClosedAtOnce() throws Exception {
    room.close();
    room = new RoomServer(roomHome, RoomLimits.defaults().withConnectionsPerAddress(1), Clock.systemUTC(), null);
    roomAddress = new HostPort("127.0.0.1", room.listen("127.0.0.1", 0).getPort());
    try (java.net.Socket first = new java.net.Socket("127.0.0.1", roomAddress.port());
        java.net.Socket second = new java.net.Socket("127.0.0.1", roomAddress.port())) {
      // A safety net, not a timing assertion: the room closes the second at once.
      second.setSoTimeout((int) MiniCluster.AWAIT_LIMIT.toMillis());
      assertEquals(-1, second.getInputStream().read(), "the second connection from one address is closed");
      assertTrue(first.isConnected());
    }
  }

  @Test
  void aNonMemberGetsNoTunnel() throws Exception {
    KithNode alice = node("alice", "127.0.0.2");
    joinRoom(alice);
    try (KeyPair stranger = KeyPair.generate(); Rooms probe = probe()) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> RoomClient.ask(probe.group(),
          roomAddress.toSocketAddress(), room.id(), stranger, 10_000, RoomMessage.connect(alice.id()), (ch, k) -> { })
          .get(30, TimeUnit.SECONDS));
      RoomClient.RoomRefusedException r = assertInstanceOf(RoomClient.RoomRefusedException.class, e.getCause());
      assertEquals(RoomMessage.Code.NOT_MEMBER, r.code());
    }
    assertEquals("", relayedText());
  }

  @Test
  void aMemberCannotReachAMemberWhoDidNotAcceptIt() throws Exception {
    KithNode alice = node("alice", "127.0.0.2");
    KithNode carol = node("carol", "127.0.0.3");
    joinRoom(alice);
    joinRoom(carol);
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> carol.rooms().dial(alice.id()).get(30, TimeUnit.SECONDS));
    RoomClient.RoomRefusedException r = assertInstanceOf(RoomClient.RoomRefusedException.class, e.getCause());
    assertEquals(RoomMessage.Code.REFUSED, r.code());
    assertTrue(alice.transport().connection(carol.id()).isEmpty());
    assertEquals("", relayedText());
  }

  @Test
  void aUsedOrForeignRoomCode_isRefused_andChangesNothing() throws Exception {
    KithNode alice = node("alice", "127.0.0.2");
    KithNode bob = node("bob", "127.0.0.3");
    String code = roomCode();
    alice.rooms().join(code, Duration.ofSeconds(20));
    KithException used = assertThrows(KithException.class, () -> bob.rooms().join(code, Duration.ofSeconds(20)));
    assertTrue(used.getMessage().contains("used, expired"), used.getMessage());
    assertTrue(bob.rooms().joined().isEmpty());
    KithException damaged = assertThrows(KithException.class,
        () -> bob.rooms().join(code.substring(0, code.length() - 3) + "AAA", Duration.ofSeconds(5)));
    assertTrue(damaged.getMessage().contains("copy it again"), damaged.getMessage());
    KithException notACode = assertThrows(KithException.class, () -> bob.rooms().join("hello", Duration.ofSeconds(5)));
    assertTrue(notACode.getMessage().contains("not a room code"), notACode.getMessage());
    KithException twice = assertThrows(KithException.class, () -> alice.rooms().join(roomCode(), Duration.ofSeconds(5)));
    assertTrue(twice.getMessage().contains("already in the room"), twice.getMessage());
    assertEquals(1, room.memberCount());
    assertTrue(bob.rooms().joined().isEmpty());
  }

  @Test
  void leaving_forgetsTheRoom_andTheRoomForgetsTheMember() throws Exception {
    KithNode alice = node("alice", "127.0.0.2");
    joinRoom(alice);
    alice.rooms().leave("Elm Street");
    assertTrue(alice.rooms().joined().isEmpty());
    MiniCluster.await("the room forgot alice", () -> room.memberCount() == 0);
    assertTrue(roomHome.members().isEmpty());
    KithException none = assertThrows(KithException.class, () -> alice.rooms().leave("Elm Street"));
    assertTrue(none.getMessage().contains("no room"), none.getMessage());
  }

  /** A Rooms of its own, for its event loop only. */
  private Rooms probe() throws KithException {
    KithNode any = nodes.get(0);
    try (KeyPair k = KeyPair.generate()) {
      return new Rooms(any.vault(), k, any.transport(), x -> false, List::of, Clock.systemUTC(),
          java.util.concurrent.Executors.newSingleThreadScheduledExecutor(), Runnable::run);
    }
  }
}
