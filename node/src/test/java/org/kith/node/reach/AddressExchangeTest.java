package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.MiniCluster;
import org.kith.node.net.PeerConnection;
import org.kith.node.peers.Peer;

/** Address records between real nodes on loopback (spec/PROTOCOL.md 12.3). */
class AddressExchangeTest {
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();

  @Test
  void pairedPeers_holdEachOthersSignedAddresses() throws Exception {
    MiniCluster.Member alice = cluster.add("Alice");
    MiniCluster.Member bob = cluster.add("Bob");
    cluster.pair(alice, bob, "friends");
    MiniCluster.await("both hold the other's record",
        () -> alice.peer(bob).addressSeq() > 0 && bob.peer(alice).addressSeq() > 0);
    assertEquals(List.of("tcp:127.0.0.1:" + bob.port()), alice.peer(bob).addresses());
    assertEquals(List.of("tcp:127.0.0.1:" + alice.port()), bob.peer(alice).addresses());
    assertEquals(bob.node.addresses().seq(), alice.peer(bob).addressSeq());
    assertEquals(0, alice.node.addresses().refused() + bob.node.addresses().refused());
    // What `kith peers --json` and GET /v1/peers show.
    com.google.gson.JsonObject shown = org.kith.node.api.Json.peer(alice.peer(bob), true);
    assertEquals("tcp:127.0.0.1:" + bob.port(), shown.getAsJsonArray("addresses").get(0).getAsString());
    assertEquals(bob.node.addresses().seq(), shown.get("addressSeq").getAsLong());
  }

  @Test
  void aPeerThatRestartsOnANewPort_isReachedThereWithNoAddressTyped() throws Exception {
    MiniCluster.Member alice = cluster.add("Alice");
    MiniCluster.Member bob = cluster.add("Bob");
    cluster.pair(alice, bob, "friends");
    MiniCluster.await("Alice holds Bob's record", () -> alice.peer(bob).addressSeq() > 0);
    long before = alice.peer(bob).addressSeq();
    int oldPort = bob.port();

    bob.stop();
    bob.clock.advance(java.time.Duration.ofSeconds(1));
    bob.startOnNewPort();
    assertNotEquals(oldPort, bob.port());
    assertTrue(bob.node.addresses().seq() > before, "a restart never signs an old seq again");
    // Bob still knows where Alice is; his first connection carries his new record.
    MiniCluster.await("Alice learns Bob's new port", () -> alice.peer(bob).addressSeq() > before);
    assertEquals(List.of("tcp:127.0.0.1:" + bob.port()), alice.peer(bob).addresses());
    assertEquals(List.of("tcp:127.0.0.1:" + bob.port()), alice.node.peerBook().get(bob.id()).orElseThrow()
        .addresses(), "stored, not only in memory");

    // Now only Alice dials: she reaches Bob at the address his record gave.
    bob.node.transport().forget(alice.id());
    MiniCluster.await("a connection to close", () -> alice.node.transport().connection(bob.id()).isPresent());
    alice.node.transport().connection(bob.id()).ifPresent(PeerConnection::close);
    MiniCluster.await("Alice redials Bob at his new port", () -> alice.node.transport().connection(bob.id())
        .filter(c -> !c.inbound() && c.remoteAddress().getPort() == bob.port()).isPresent());
  }

  @Test
  void aNewVerifiedAddress_goesToConnectedPeers_andIntoInvites() throws Exception {
    MiniCluster.Member alice = cluster.add("Alice");
    MiniCluster.Member bob = cluster.add("Bob");
    cluster.pair(alice, bob, "friends");
    MiniCluster.await("Alice holds Bob's record", () -> alice.peer(bob).addressSeq() > 0);
    long before = alice.peer(bob).addressSeq();
    bob.clock.advance(java.time.Duration.ofSeconds(1));
    bob.node.verifiedAddresses(() -> List.of("127.0.0.9:7347"));
    bob.node.addressesChanged();
    MiniCluster.await("Alice gets Bob's new record", () -> alice.peer(bob).addressSeq() > before);
    Peer b = alice.peer(bob);
    assertEquals(List.of("tcp:127.0.0.9:7347", "tcp:127.0.0.1:" + bob.port()), b.addresses(),
        "a verified address before the listen address (packets stay on loopback)");
    assertFalse(bob.node.advertised().isEmpty());
    assertTrue(bob.node.advertised().contains("127.0.0.9:7347"), "invites carry it too: " + bob.node.advertised());

    // Too many for an invite (4): the first verified ones stay, in order, and the listen address after them.
    bob.node.verifiedAddresses(() -> List.of("127.0.0.9:1", "127.0.0.9:2", "127.0.0.9:3", "127.0.0.9:4",
        "127.0.0.9:5"));
    assertEquals(List.of("127.0.0.9:1", "127.0.0.9:2", "127.0.0.9:3", "127.0.0.1:" + bob.port()),
        bob.node.advertised());
    assertEquals(6, bob.node.ownAddresses().size(), "a record carries up to 8: " + bob.node.ownAddresses());
  }
}
