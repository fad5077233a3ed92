package org.kith.node.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;
import org.kith.protocol.identity.PublicId;

/**
 * The dial race of {@link Transport#maintain} (spec/PROTOCOL.md 9.1) on loopback: a dead address (a socket that
 * accepts and never speaks) does not hold up a good one, and a tunnel joins when TCP cannot win. The handshake
 * timeout is set far beyond the test's wait, so a test passes only if nothing waited for it.
 */
class DialRaceTest {
  private final List<AutoCloseable> open = new ArrayList<>();

  /** Handshakes that never finish on their own within the test. */
  static TransportConfig patient() {
    return TestNode.config().withTimers(Duration.ofMinutes(30), Duration.ofMinutes(40), Duration.ofMinutes(10),
        Duration.ofSeconds(30));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private TestNode node() {
    TestNode n = new TestNode(patient());
    open.add(n);
    return n;
  }

  /** A socket that accepts every connection and never says a word; {@link #closedByPeer} counts hang-ups. */
  static final class DeadAddress implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closedByPeer = new AtomicInteger();
    final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Thread acceptor;

    DeadAddress() throws IOException {
      acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            sockets.add(s);
            accepted.incrementAndGet();
            Thread reader = new Thread(() -> {
              try (InputStream in = s.getInputStream()) {
                while (in.read() >= 0) {
                  // a dialler's handshake message 1: read and ignored
                }
              } catch (IOException e) {
                // closed under us
              }
              closedByPeer.incrementAndGet();
            }, "dead-reader");
            reader.setDaemon(true);
            reader.start();
          } catch (IOException e) {
            return;
          }
        }
      }, "dead-acceptor");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    InetSocketAddress address() {
      return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void aDeadAddressFirst_theGoodOneWins_andTheQuietLoserIsClosed() throws Exception {
    DeadAddress dead = new DeadAddress();
    open.add(dead);
    TestNode server = node().listen();
    TestNode client = node();
    client.transport.maintain(server.id(), List.of(dead.address(), server.address));

    MiniCluster.await("connected through the good address",
        () -> client.transport.connection(server.id()).isPresent());
    PeerConnection c = client.transport.connection(server.id()).orElseThrow();
    assertEquals(server.address.getPort(), c.remoteAddress().getPort());
    assertEquals(1, client.transport.dialAttempts(server.id()), "one race, won: no failure, no backoff");
    MiniCluster.await("the dead address was dialled", () -> dead.accepted.get() == 1);
    MiniCluster.await("the losing dial, which heard nothing, is closed", () -> dead.closedByPeer.get() == 1);
    MiniCluster.await("only the winner holds a dial slot", () -> client.transport.counts().outbound() == 1);
    assertEquals(1, client.connected.size());
  }

  /** A one-off race (pairing) to a peer already connected completes with that connection and dials nothing. */
  @Test
  void aOneOffRace_toAConnectedPeer_completesWithItsConnection() throws Exception {
    DeadAddress dead = new DeadAddress();
    open.add(dead);
    TestNode server = node().listen();
    TestNode client = node();
    PeerConnection first = client.transport.connect(server.address, server.id())
        .get(TestNode.AWAIT_LIMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    PeerConnection raced = client.transport.race(server.id(), List.of(dead.address()), List.of())
        .get(TestNode.AWAIT_LIMIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(first, raced, "the open connection, not a new one");
    assertEquals(0, dead.accepted.get(), "nothing dialled");
  }

  @Test
  void twoNodesRacingToEachOther_keepOneAndTheSameConnection() throws Exception {
    DeadAddress dead = new DeadAddress();
    open.add(dead);
    TestNode a = node().listen();
    TestNode b = node().listen();
    a.transport.maintain(b.id(), List.of(dead.address(), b.address));
    b.transport.maintain(a.id(), List.of(dead.address(), a.address));
    MiniCluster.await("both ends hold the same one connection", () -> {
      PeerConnection ab = a.transport.connection(b.id()).orElse(null);
      PeerConnection ba = b.transport.connection(a.id()).orElse(null);
      return ab != null && ba != null && ab.channel().localAddress().equals(ba.channel().remoteAddress())
          && ab.channel().remoteAddress().equals(ba.channel().localAddress());
    });
  }

  @Test
  void withEveryTcpAddressDead_theTunnelWins() throws Exception {
    DeadAddress dead = new DeadAddress();
    open.add(dead);
    TestNode server = node().listen();
    TestNode client = node();
    AtomicInteger asked = new AtomicInteger();
    // A stand-in for a room: any other way to the same key.
    client.transport.tunnels(peer -> {
      asked.incrementAndGet();
      return client.transport.connect(server.address, peer);
    });
    client.transport.maintain(server.id(), List.of(dead.address()));
    MiniCluster.await("connected through the tunnel", () -> client.transport.connection(server.id()).isPresent());
    assertEquals(1, asked.get());
    MiniCluster.await("the dead dial is closed once the tunnel won", () -> dead.closedByPeer.get() == 1);
  }

  @Test
  void noAddressButATunnel_dialsTheTunnelAtOnce_andWithoutTunnelsIsRefused() throws Exception {
    TestNode server = node().listen();
    TestNode client = node();
    PublicId nobody = org.kith.protocol.identity.KeyPair.generate().id();
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> client.transport.maintain(nobody, List.of()));
    assertFalse(client.transport.maintains(nobody));
    client.transport.tunnels(peer -> client.transport.connect(server.address, peer));
    client.transport.maintain(server.id(), List.of());
    MiniCluster.await("connected through the tunnel", () -> client.transport.connection(server.id()).isPresent());
  }

  @Test
  void everyPathFailing_backsOffAndRacesAgain() throws Exception {
    TestNode client = new TestNode(TestNode.config());
    open.add(client);
    PublicId gone = org.kith.protocol.identity.KeyPair.generate().id();
    AtomicInteger asked = new AtomicInteger();
    client.transport.tunnels(peer -> {
      asked.incrementAndGet();
      return CompletableFuture.failedFuture(new ConnectFailedException(ConnectFailedException.Reason.UNREACHABLE,
          "no room"));
    });
    client.transport.maintain(gone, List.of(nobodyListens()));
    MiniCluster.await("three races", () -> client.transport.dialAttempts(gone) >= 3);
    MiniCluster.await("each race asked the tunnel too", () -> asked.get() >= 3);
  }

  static InetSocketAddress nobodyListens() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new InetSocketAddress("127.0.0.1", s.getLocalPort());
    }
  }
}
