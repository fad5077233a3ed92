package org.kith.node.pairing;

import org.kith.node.peers.Peer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.base.KithException;
import org.kith.node.MiniCluster;
import org.kith.node.MiniCluster.Member;
import org.kith.protocol.identity.InviteCode;

/** Pairing between real nodes over loopback TCP: Secret Handshake, box-stream, frames, vault. */
class PairingTest {
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();
  Member alice;
  Member bob;

  @BeforeEach
  void setUp() throws Exception {
    alice = cluster.add("Alice");
    bob = cluster.add("Bob");
  }


  @Test
  void pairing_storesEachOther_withPetnamesAndCircles_andConnects() throws Exception {
    Peer a = cluster.pair(alice, bob, "neighbours");
    assertEquals("Alice", a.petname());
    assertEquals(Peer.DEFAULT_CIRCLE, a.circle());
    Peer b = alice.peer(bob);
    assertNotNull(b);
    assertEquals("Bob", b.petname());
    assertEquals("neighbours", b.circle());
    MiniCluster.await("connection", () -> alice.connectedTo(bob) && bob.connectedTo(alice));
  }

  @Test
  void pairWithACircle_putsTheInviterInIt_onTheInviteeSide() throws Exception {
    String code = alice.node.pairing().invite("neighbours", Duration.ofHours(1), 1).text();
    for (String bad : List.of(" ", "two\nlines", "x".repeat(Peer.MAX_NAME_CHARS + 1))) {
      KithException e = assertThrows(KithException.class,
          () -> bob.node.pairing().pair(code, null, bad, Duration.ofSeconds(10), true));
      assertEquals(KithException.BAD_INPUT, e.exitCode());
      assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
    }
    assertNull(bob.peer(alice));
    // The refusals never reached Alice: her one-use invite still works.
    Peer a = bob.node.pairing().pair(code, null, " garden ", Duration.ofSeconds(10), true);
    assertEquals("garden", a.circle());
    assertEquals("garden", bob.peer(alice).circle());
    assertEquals("neighbours", alice.peer(bob).circle());
  }

  @Test
  void secondUse_ofAOneUseInvite_isRefused_andChangesNothing() throws Exception {
    Member carol = cluster.add("Carol");
    String code = alice.node.pairing().invite("friends", Duration.ofHours(1), 1).text();
    bob.node.pairing().pair(code, null, Duration.ofSeconds(10), true);
    KithException e = assertThrows(KithException.class, () -> carol.node.pairing().pair(code, null, Duration.ofSeconds(10), true));
    assertEquals(KithException.BAD_INPUT, e.exitCode());
    assertTrue(e.getMessage().contains("refused"), e.getMessage());
    assertNull(alice.peer(carol));
    assertNull(carol.peer(alice));
    assertEquals(1, alice.node.peerBook().all().size());
  }

  @Test
  void inviteWithUses2_pairsTwoPeople_thenStops() throws Exception {
    Member carol = cluster.add("Carol");
    Member dave = cluster.add("Dave");
    String code = alice.node.pairing().invite("friends", Duration.ofHours(1), 2).text();
    bob.node.pairing().pair(code, null, Duration.ofSeconds(10), true);
    carol.node.pairing().pair(code, null, Duration.ofSeconds(10), true);
    assertThrows(KithException.class, () -> dave.node.pairing().pair(code, null, Duration.ofSeconds(10), true));
    assertEquals(2, alice.node.peerBook().all().size());
  }

  @Test
  void expiredInvite_isRefusedByTheInviter_andLocallyWhenTheCodeSaysSo() throws Exception {
    String code = alice.node.pairing().invite("friends", Duration.ofMinutes(5), 1).text();
    alice.clock.advance(Duration.ofMinutes(6));
    KithException atInviter = assertThrows(KithException.class, () -> bob.node.pairing().pair(code, null, Duration.ofSeconds(10), true));
    assertEquals(KithException.BAD_INPUT, atInviter.exitCode());
    assertNull(alice.peer(bob));

    String code2 = alice.node.pairing().invite("friends", Duration.ofMinutes(5), 1).text();
    bob.clock.advance(Duration.ofMinutes(30));
    KithException local = assertThrows(KithException.class, () -> bob.node.pairing().pair(code2, null, Duration.ofSeconds(10), true));
    assertTrue(local.getMessage().contains("expired"), local.getMessage());
    assertNull(alice.peer(bob));
  }

  @Test
  void garbledCode_isRefusedBeforeAnyConnection() {
    KithException e = assertThrows(KithException.class, () -> bob.node.pairing().pair("kithinv1notarealcode", null, Duration.ofSeconds(5), true));
    assertEquals(KithException.BAD_INPUT, e.exitCode());
    assertThrows(KithException.class, () -> bob.node.pairing().pair("hello", null, Duration.ofSeconds(5), true));
  }

  @Test
  void wrongSecret_isRefused() throws Exception {
    InviteCode real = alice.node.pairing().invite("friends", Duration.ofHours(1), 1);
    byte[] wrong = real.secret();
    wrong[0] ^= 1;
    InviteCode forged = new InviteCode(real.inviter().key(), real.inviteId(), wrong, real.expiresAtSeconds(), real.addresses());
    KithException e = assertThrows(KithException.class, () -> bob.node.pairing().pair(forged.text(), null, Duration.ofSeconds(10), true));
    assertEquals(KithException.BAD_INPUT, e.exitCode());
    assertNull(alice.peer(bob));
    // The real code still works afterwards: a wrong guess does not burn it.
    assertNotNull(bob.node.pairing().pair(real.text(), null, Duration.ofSeconds(10), true));
  }

  @Test
  void blockedKey_cannotFinishTheHandshake() throws Exception {
    alice.node.peers().block(bob.id().text());
    String code = alice.node.pairing().invite("friends", Duration.ofHours(1), 1).text();
    KithException e = assertThrows(KithException.class, () -> bob.node.pairing().pair(code, null, Duration.ofSeconds(5), true));
    assertEquals(KithException.UNREACHABLE, e.exitCode());
    assertFalse(alice.node.peerBook().isPaired(bob.id()));
    assertTrue(alice.node.peerBook().isBlocked(bob.id()));
  }

  @Test
  void unpair_tellsTheOtherSide() throws Exception {
    cluster.pair(alice, bob, "friends");
    MiniCluster.await("connection", () -> bob.connectedTo(alice));
    assertTrue(alice.node.peers().unpair("Bob"));
    assertNull(alice.peer(bob));
    MiniCluster.await("bob forgets alice", () -> bob.peer(alice) == null);
  }

  @Test
  void blockingAConnectedPeer_dropsTheConnection_andItCannotComeBack() throws Exception {
    cluster.pair(alice, bob, "friends");
    MiniCluster.await("connection", () -> connected(alice, bob) && connected(bob, alice));
    alice.node.peers().block("Bob");
    MiniCluster.await("disconnect", () -> !connected(alice, bob) && !connected(bob, alice));
    // Bob keeps redialling; Alice refuses him during the handshake every time.
    long refused = alice.node.peers().handshakesRefused();
    MiniCluster.await("two more refused redials", () -> alice.node.peers().handshakesRefused() >= refused + 2);
    assertFalse(connected(alice, bob));
    assertTrue(alice.node.peerBook().isBlocked(bob.id()));
  }

  @Test
  void peerRestart_reconnects() throws Exception {
    cluster.pair(alice, bob, "friends");
    MiniCluster.await("connection", () -> connected(bob, alice));
    alice.stop();
    MiniCluster.await("disconnect", () -> !connected(bob, alice));
    alice.start();
    MiniCluster.await("reconnection", () -> connected(bob, alice) && connected(alice, bob));
  }

  @Test
  void theInviterLearnsWhereTheInviteeListens_andDialsItAfterARestart() throws Exception {
    cluster.pair(alice, bob, "friends");
    // From the pairing ("host:port"), or already from Bob's address record ("tcp:host:port").
    assertEquals(List.of("127.0.0.1:" + bob.port()), alice.peer(bob).addresses().stream()
        .map(a -> org.kith.node.peers.HostPort.tryParseTcp(a).orElseThrow().toString()).toList());
    // Bob forgets how to reach Alice, so only Alice can bring the connection back.
    Peer a = bob.peer(alice);
    bob.node.peerBook().put(new Peer(a.id(), a.petname(), a.circle(), List.of(), a.pairedAtMillis(),
        a.lastSeenMillis(), false, false));
    alice.stop();
    bob.stop();
    bob.start();
    alice.start();
    MiniCluster.await("Alice dialling Bob", () -> connected(alice, bob) && connected(bob, alice));
  }

  @Test
  void addressesOfferedByAnInvitee_areFilteredNotTrusted() {
    List<String> kept = org.kith.node.pairing.Pairing.acceptAddresses(List.of("127.0.0.1:7347", "no-port", "h:0",
        "x".repeat(120) + ":1", "bad\nhost:5", "127.0.0.1:7347", "10.0.0.2:1", "10.0.0.3:1", "10.0.0.4:1",
        "10.0.0.5:1"));
    assertEquals(List.of("127.0.0.1:7347", "10.0.0.2:1", "10.0.0.3:1", "10.0.0.4:1"), kept);
    // Only the host the pairing came from is ever dialled, at the ports offered.
    assertEquals(List.of("192.168.1.5:7347", "192.168.1.5:1"), org.kith.node.pairing.Pairing.dialBack(
        new java.net.InetSocketAddress("192.168.1.5", 50000), kept));
    assertEquals(List.of("[0:0:0:0:0:0:0:1]:7347"), org.kith.node.pairing.Pairing.dialBack(
        new java.net.InetSocketAddress("::1", 50000), List.of("example.org:7347")));
  }

  @Test
  void garbageFromAStranger_doesNotStopTheNodeServingOthers() throws Exception {
    Random r = new Random(1);
    for (int i = 0; i < 5; i++) {
      try (Socket s = new Socket("127.0.0.1", alice.port())) {
        s.setSoTimeout(5000);
        byte[] junk = new byte[64 + r.nextInt(4000)];
        r.nextBytes(junk);
        OutputStream out = s.getOutputStream();
        out.write(junk);
        out.flush();
        InputStream in = s.getInputStream();
        try {
          while (in.read() >= 0) {
            // the node hangs up
          }
        } catch (java.net.SocketException | java.net.SocketTimeoutException closed) {
          // closed by the node: what we want
        }
      }
    }
    cluster.pair(alice, bob, "friends");
    MiniCluster.await("connection", () -> connected(alice, bob));
  }

  @Test
  void renameCircleAndFind() throws Exception {
    cluster.pair(alice, bob, "friends");
    Peer p = alice.node.peers().rename("Bob", "Robert");
    assertEquals("Robert", p.petname());
    assertEquals("garden", alice.node.peers().moveToCircle("robert", "garden").circle());
    assertEquals("garden", alice.node.peerBook().find(bob.id().text().substring(0, 12)).circle());
    assertThrows(KithException.class, () -> alice.node.peers().rename("nobody", "x"));
    assertThrows(KithException.class, () -> alice.node.peers().rename("Robert", "line\nbreak"));
    List<Peer> all = alice.node.peerBook().all();
    assertEquals(1, all.size());
  }

  static boolean connected(Member a, Member b) {
    {
      return a.node != null && a.connectedTo(b);
    }
  }
}
