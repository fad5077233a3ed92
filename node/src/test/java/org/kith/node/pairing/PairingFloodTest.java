package org.kith.node.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.MiniCluster;
import org.kith.node.MiniCluster.Member;
import org.kith.node.base.KithException;
import org.kith.node.net.Stranger;
import org.kith.protocol.identity.InviteCode;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.PairRequest;

/**
 * "Anyone who can reach the peer port can lock it" (issue 10): strangers holding sessions, flooding the port
 * with silent sockets, or spraying pairing guesses from fresh keys must not keep a paired peer out, block the
 * node's own dials or refuse a real invite. Real nodes over loopback; strangers connect from 127.0.x.y
 * addresses other than the nodes' 127.0.0.1 unless a test is about one address.
 */
class PairingFloodTest {
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();
  final List<AutoCloseable> attackers = new ArrayList<>();
  Member alice;
  Member bob;

  @BeforeEach
  void setUp() throws Exception {
    alice = cluster.add("Alice");
    bob = cluster.add("Bob");
  }

  @AfterEach
  void stopAttackers() throws Exception {
    for (int i = attackers.size() - 1; i >= 0; i--) {
      attackers.get(i).close();
    }
  }

  InetSocketAddress address(Member m) {
    return new InetSocketAddress("127.0.0.1", m.port());
  }

  static boolean connected(Member a, Member b) {
    return a.node != null && b.node != null && a.connectedTo(b) && b.connectedTo(a);
  }

  static ErrorCode code(Frame f) throws Exception {
    assertNotNull(f, "closed without an answer");
    assertEquals(FrameType.ERROR, f.getHeader().getType(), f.toString());
    return org.kith.protocol.proto.Error.parseFrom(f.getPayload()).getCode();
  }

  /** A paired peer that went away, to come back while the attack runs. */
  void pairThenStopBob() throws Exception {
    cluster.pair(alice, bob, "friends");
    MiniCluster.await("connection", () -> connected(alice, bob));
    bob.stop();
    MiniCluster.await("Alice notices", () -> !alice.connectedTo(bob));
  }

  /** Bob reconnects, Carol pairs with a real invite, and Alice's own dial (pairing with Dave's invite) works. */
  void everyoneWhoShouldStillGetsIn() throws Exception {
    bob.start();
    MiniCluster.await("Bob back", () -> connected(alice, bob));
    Member carol = cluster.add("Carol");
    assertNotNull(cluster.pair(alice, carol, "friends"));
    MiniCluster.await("Carol connected", () -> connected(alice, carol));
    Member dave = cluster.add("Dave");
    assertNotNull(cluster.pair(dave, alice, "friends"));
    MiniCluster.await("Alice's dial to Dave", () -> connected(alice, dave));
  }

  @Test
  void strangersPinging_keepNoSlot_aPairedPeerReconnects_ownDialsWork_andARealPairSucceeds() throws Exception {
    pairThenStopBob();
    // More sessions than the old shared limit of 64, each pinging as an attacker would every 20 s to stay.
    List<Stranger> held = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      Stranger s = Stranger.connect(address(alice), alice.id(), "127.0.8." + (1 + i % 14));
      attackers.add(s);
      s.ping();
      held.add(s);
    }
    for (Stranger s : held) {
      Frame f = s.answer();
      if (f != null) { // null: displaced by a newer stranger from its address before its PING was read
        assertEquals(ErrorCode.NOT_PAIRED, code(f));
      }
    }
    // And it keeps coming back while the others connect.
    StrangerLoop loop = new StrangerLoop(address(alice), alice, "127.0.8.", 14);
    attackers.add(loop);
    MiniCluster.await("the attack running", () -> loop.sessions.get() >= 5);
    everyoneWhoShouldStillGetsIn();
    assertTrue(loop.pongs.get() == 0, "a stranger was answered PONG");
  }

  @Test
  void silentSocketFlood_doesNotStopAPairedPeerReconnecting_ownDials_orPairing() throws Exception {
    pairThenStopBob();
    SilentFlood flood = new SilentFlood(address(alice), 80, "127.0.9.", 20);
    attackers.add(flood);
    MiniCluster.await("the flood holding its sockets", () -> flood.opened.get() >= 80);
    everyoneWhoShouldStillGetsIn();
  }

  @Test
  void bogusPairRequests_fromFreshKeys_doNotRefuseARealInvite() throws Exception {
    String code = alice.node.pairing().invite("friends", Duration.ofHours(1), 1).text();
    // More guesses than the old global bucket of 30 a minute, from 8 addresses, each within its own budget.
    for (int i = 0; i < 40; i++) {
      try (Stranger s = Stranger.connect(address(alice), alice.id(), "127.0.10." + (1 + i % 8))) {
        s.bogusPairRequest();
        assertEquals(ErrorCode.INVITE_INVALID, code(s.answer()), "guess " + i);
      }
    }
    assertNotNull(bob.node.pairing().pair(code, null, Duration.ofSeconds(30), true));
    MiniCluster.await("connection", () -> connected(alice, bob));
  }

  @Test
  void pairingAttempts_perSourceAddress_busyIsSaidClearly_andAMinuteLaterTheInviteWorks() throws Exception {
    String code = alice.node.pairing().invite("friends", Duration.ofHours(1), 1).text();
    // Bob's own address spends its budget with fresh keys.
    for (int i = 0; i < Pairing.MAX_PAIR_REQUESTS_PER_ADDRESS_PER_MINUTE; i++) {
      try (Stranger s = Stranger.connect(address(alice), alice.id(), "127.0.0.1")) {
        s.bogusPairRequest();
        assertEquals(ErrorCode.INVITE_INVALID, code(s.answer()), "guess " + i);
      }
    }
    try (Stranger s = Stranger.connect(address(alice), alice.id(), "127.0.0.1")) {
      s.bogusPairRequest();
      assertEquals(ErrorCode.RATE_LIMITED, code(s.answer()));
    }
    // Another address is not affected.
    try (Stranger s = Stranger.connect(address(alice), alice.id(), "127.0.12.1")) {
      s.bogusPairRequest();
      assertEquals(ErrorCode.INVITE_INVALID, code(s.answer()));
    }
    KithException busy = assertThrows(KithException.class,
        () -> bob.node.pairing().pair(code, null, Duration.ofSeconds(30), true));
    assertEquals(KithException.BAD_INPUT, busy.exitCode());
    assertTrue(busy.getMessage().contains("busy") && busy.getMessage().contains("from your address"),
        busy.getMessage());
    alice.clock.advance(Duration.ofMinutes(1));
    assertNotNull(bob.node.pairing().pair(code, null, Duration.ofSeconds(30), true));
  }

  @Test
  void guessesAtOneInvite_spendThatInvitesBudget_only() throws Exception {
    InviteCode x = alice.node.pairing().invite("friends", Duration.ofHours(1), 1);
    String y = alice.node.pairing().invite("friends", Duration.ofHours(1), 1).text();
    PairRequest guess = PairRequest.newBuilder().setInviteId(ByteString.copyFrom(x.inviteId()))
        .setProof(ByteString.copyFrom(new byte[32])).build();
    for (int i = 0; i < Pairing.MAX_PAIR_REQUESTS_PER_INVITE_PER_MINUTE; i++) {
      try (Stranger s = Stranger.connect(address(alice), alice.id(), "127.0.11." + (1 + i))) {
        s.request(FrameType.PAIR_REQUEST, guess);
        assertEquals(ErrorCode.INVITE_INVALID, code(s.answer()), "guess " + i);
      }
    }
    KithException busy = assertThrows(KithException.class,
        () -> bob.node.pairing().pair(x.text(), null, Duration.ofSeconds(30), true));
    assertTrue(busy.getMessage().contains("at this invite"), busy.getMessage());
    Member carol = cluster.add("Carol");
    assertNotNull(carol.node.pairing().pair(y, null, Duration.ofSeconds(30), true));
    alice.clock.advance(Duration.ofMinutes(1));
    assertNotNull(bob.node.pairing().pair(x.text(), null, Duration.ofSeconds(30), true));
  }

  /** One stranger after another: handshake, HELLO, PING, wait for the answer; from a rotating address. */
  static final class StrangerLoop implements AutoCloseable {
    final AtomicLong sessions = new AtomicLong();
    final AtomicLong pongs = new AtomicLong();
    private final Thread thread;
    private volatile boolean stop;

    StrangerLoop(InetSocketAddress target, Member node, String prefix, int addresses) {
      thread = new Thread(() -> {
        for (int i = 0; !stop; i++) {
          try (Stranger s = Stranger.connect(target, node.id(), prefix + (1 + i % addresses))) {
            s.ping();
            Frame f = s.answer();
            if (f != null && f.getHeader().getType() == FrameType.PONG) {
              pongs.incrementAndGet();
            }
            sessions.incrementAndGet();
          } catch (Exception e) {
            // displaced, or the node is stopping: try again
          }
        }
      }, "stranger-loop");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(MiniCluster.AWAIT_LIMIT.toMillis());
    }
  }

  /** Keeps {@code count} TCP connections open that never send a byte, replacing each the node closes. */
  static final class SilentFlood implements AutoCloseable {
    final AtomicLong opened = new AtomicLong();
    private final Thread thread;
    private volatile boolean stop;

    SilentFlood(InetSocketAddress target, int count, String prefix, int addresses) {
      thread = new Thread(() -> {
        List<SocketChannel> open = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(256);
        try {
          for (int next = 0; !stop; ) {
            open.removeIf(ch -> {
              try {
                buf.clear();
                if (ch.read(buf) >= 0) {
                  return false;
                }
              } catch (IOException e) {
                // reset
              }
              closeQuietly(ch);
              return true;
            });
            while (open.size() < count && !stop) {
              SocketChannel ch = SocketChannel.open();
              try {
                ch.bind(new InetSocketAddress(prefix + (1 + next++ % addresses), 0));
                ch.connect(target);
                ch.configureBlocking(false);
                open.add(ch);
                opened.incrementAndGet();
              } catch (IOException e) {
                closeQuietly(ch);
              }
            }
            Thread.sleep(10); // a check for closed sockets, not a timing assumption
          }
        } catch (IOException | InterruptedException e) {
          // stopping
        } finally {
          open.forEach(SilentFlood::closeQuietly);
        }
      }, "silent-flood");
      thread.setDaemon(true);
      thread.start();
    }

    static void closeQuietly(SocketChannel ch) {
      try {
        ch.close();
      } catch (IOException e) {
        // closing
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(MiniCluster.AWAIT_LIMIT.toMillis());
    }
  }
}
