package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.MiniCluster;
import org.kith.node.MutableClock;
import org.kith.node.peers.ListenConfig;
import org.kith.protocol.identity.PublicId;

/** LAN discovery with real UDP on loopback (packets never leave the machine) and real nodes. */
class LanDiscoveryTest {
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final List<LanDiscovery> running = new ArrayList<>();

  @AfterEach
  void stop() {
    running.forEach(LanDiscovery::close);
    scheduler.shutdownNow();
  }

  record Heard(PublicId who, InetSocketAddress at) {}

  @Test
  void aPairedPeerIsHeardAndAnyoneElseIsDroppedWithoutAWord() throws Exception {
    MutableClock clock = MutableClock.now();
    PublicId me = BeaconTest.key(10);
    PublicId friend = BeaconTest.key(11);
    PublicId stranger = BeaconTest.key(12);
    List<Heard> heard = new ArrayList<>();
    LanDiscovery d = new LanDiscovery(LanConfig.loopback(0, List.of()), me, 7347, () -> List.of(friend),
        (who, at) -> heard.add(new Heard(who, at)), clock, scheduler);
    InetSocketAddress from = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    byte[] own = Beacon.of(me, 7347, clock.instant()).encode();
    d.onDatagram(own, own.length, from);
    byte[] strangers = Beacon.of(stranger, 7000, clock.instant()).encode();
    d.onDatagram(strangers, strangers.length, from);
    d.onDatagram(new byte[] {1, 2, 3}, 3, from);
    assertEquals(List.of(), heard);
    assertEquals(3, d.dropped());

    byte[] friends = Beacon.of(friend, 7401, clock.instant()).encode();
    d.onDatagram(friends, friends.length, from);
    assertEquals(List.of(new Heard(friend, new InetSocketAddress(from.getAddress(), 7401))), heard,
        "the friend listens at the sender's IP, at the beacon's port");

    d.onDatagram(friends, friends.length, from);
    assertEquals(1, heard.size(), "one peer is reported at most every " + LanDiscovery.PER_PEER);
    clock.advance(LanDiscovery.PER_PEER);
    d.onDatagram(friends, friends.length, from);
    assertEquals(2, heard.size());

    clock.advance(Duration.ofSeconds(3 * Beacon.WINDOW_SECONDS));
    d.onDatagram(friends, friends.length, from);
    assertEquals(2, heard.size(), "a replayed beacon from windows ago is not the friend's any more");
  }

  @Test
  void twoPeersWhoseAddressesAreStaleFindEachOtherByBeacon() throws Exception {
    MiniCluster.Member alice = cluster.add("Alice");
    MiniCluster.Member bob = cluster.add("Bob");
    cluster.pair(alice, bob, "friends");
    MiniCluster.await("paired peers connect", () -> alice.connectedTo(bob) && bob.connectedTo(alice));
    // Both forget where the other listens (as after a move to another network): nobody can dial anybody. Their
    // address records arrive first and are held as the newest there will be, so no record repairs them.
    MiniCluster.await("the address records exchanged",
        () -> alice.peer(bob).addressSeq() > 0 && bob.peer(alice).addressSeq() > 0);
    alice.node.peerBook().put(alice.peer(bob).withAddressRecord(List.of("127.0.0.1:1"), Long.MAX_VALUE));
    bob.node.peerBook().put(bob.peer(alice).withAddressRecord(List.of("127.0.0.1:1"), Long.MAX_VALUE));
    alice.node.peers().maintainAll(); // while connected, so that no dial to the old address is under way
    bob.stop();
    bob.start();
    assertFalse(alice.connectedTo(bob));

    LanDiscovery aliceLan = discovery(alice, List.of());
    InetSocketAddress aliceHears = aliceLan.start();
    LanDiscovery bobLan = discovery(bob, List.of(new InetSocketAddress("127.0.0.1", aliceHears.getPort())));
    bobLan.start();
    MiniCluster.await("Bob's beacon reaches Alice and she dials him there",
        () -> alice.connectedTo(bob) || sendAgain(bobLan));
    assertEquals(java.util.Optional.of(new InetSocketAddress("127.0.0.1", bob.port())),
        alice.node.peers().lanAddress(bob.id()), "connected how? " + alice.node.transport().connections()
        + " heard " + aliceLan.dropped() + " dropped, bob sent " + bobLan.sent());
    assertTrue(bobLan.sent() >= 1);
  }

  /** Sends another round (datagrams may be lost); never true, so the await keeps polling the connection. */
  private boolean sendAgain(LanDiscovery d) {
    d.beaconNow();
    return false;
  }

  private LanDiscovery discovery(MiniCluster.Member m, List<InetSocketAddress> targets) {
    LanDiscovery d = new LanDiscovery(LanConfig.loopback(0, targets), m.id(), m.port(),
        () -> m.node.peerBook().paired().stream().map(org.kith.node.peers.Peer::id).toList(),
        m.node.peers()::lanSeen, m.clock, scheduler);
    running.add(d);
    return d;
  }

  @Test
  void aNodeListeningOnLoopbackNeverBeaconsToTheLan() throws Exception {
    MiniCluster.Member carol = cluster.add("Carol");
    assertTrue(carol.node.lan().isEmpty(), "the cluster listens on 127.0.0.1");
    assertFalse(LanConfig.DEFAULT.allowedFor("127.0.0.1"));
    assertFalse(LanConfig.DEFAULT.allowedFor("localhost"));
    assertTrue(LanConfig.DEFAULT.allowedFor("0.0.0.0"));
    assertFalse(LanConfig.OFF.allowedFor("0.0.0.0"));
    assertFalse(new LanConfig(true, "0.0.0.0", 0, List.of(new InetSocketAddress("192.168.1.255", 7349)))
        .allowedFor("127.0.0.1"), "a loopback node never sends beyond loopback");
    assertTrue(LanConfig.loopback(0, List.of(new InetSocketAddress("127.0.0.1", 9))).allowedFor("127.0.0.1"));

    carol.stop();
    carol.node = org.kith.node.app.KithNode.open(carol.home, MiniCluster.PASS,
        org.kith.node.app.KithNode.Options.of(d -> org.kith.node.model.FakeEmbedder.flavour('f'))
            .withKdf(org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE));
    carol.node.start(new ListenConfig("127.0.0.1", 0), LanConfig.DEFAULT);
    assertTrue(carol.node.lan().isEmpty(), "even when asked, a loopback-only node does not beacon to the LAN");
    carol.node.close();
    carol.node = null;
  }
}
