package org.kith.node.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.MiniCluster;
import org.kith.node.MiniCluster.Member;
import org.kith.node.model.FakeEmbedder;
import org.kith.protocol.identity.InviteCode;

/**
 * The invitee dials every address of an invite at once (spec/PROTOCOL.md 9.1): an address that takes the
 * connection and never answers (as a router that drops packets, or something else listening there) does not hold
 * the pairing up, and is hung up on once the inviter answered elsewhere. The handshake timeout here is 30 minutes,
 * so a pairing that waited for the silent address one after the other would not hang up on it within the test.
 */
class PairingRaceTest {
  @RegisterExtension
  final MiniCluster cluster = new MiniCluster(d -> FakeEmbedder.flavour('f'),
      MiniCluster.fastConfig().withTimers(Duration.ofMinutes(30), Duration.ofMinutes(40), Duration.ofMinutes(10),
          Duration.ofSeconds(30)));

  private ServerSocket silent;
  private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicInteger hungUp = new AtomicInteger();

  PairingRaceTest() throws IOException {}

  @AfterEach
  void closeSilent() throws IOException {
    if (silent != null) {
      silent.close();
    }
    for (Socket s : accepted) {
      s.close();
    }
  }

  @Test
  void aSilentAddressFirst_doesNotHoldThePairingUp_andIsHungUpOn() throws Exception {
    Member alice = cluster.add("Alice");
    Member bob = cluster.add("Bob");
    silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptAndSayNothing, "silent-address");
    t.setDaemon(true);
    t.start();

    InviteCode real = alice.node.pairing().invite("friends", Duration.ofHours(1), 1);
    List<String> addrs = new ArrayList<>();
    addrs.add("127.0.0.1:" + silent.getLocalPort());
    addrs.addAll(real.addresses());
    InviteCode code = new InviteCode(real.inviter().key(), real.inviteId(), real.secret(), real.expiresAtSeconds(),
        addrs.subList(0, Math.min(addrs.size(), InviteCode.MAX_ADDRESSES)));

    assertNotNull(bob.node.pairing().pair(code.text(), null, Duration.ofMinutes(5), true));
    assertEquals("Alice", bob.peer(alice).petname());
    MiniCluster.await("the silent address dialled", () -> !accepted.isEmpty());
    MiniCluster.await("the silent address hung up on once Alice answered", () -> hungUp.get() > 0);
  }

  private void acceptAndSayNothing() {
    while (!silent.isClosed()) {
      try {
        Socket s = silent.accept();
        accepted.add(s);
        Thread reader = new Thread(() -> {
          try (InputStream in = s.getInputStream()) {
            while (in.read() >= 0) {
              // the invitee's handshake message 1: read, never answered
            }
          } catch (IOException e) {
            // closed by the test
          }
          hungUp.incrementAndGet();
        }, "silent-reader");
        reader.setDaemon(true);
        reader.start();
      } catch (IOException e) {
        return;
      }
    }
  }
}
