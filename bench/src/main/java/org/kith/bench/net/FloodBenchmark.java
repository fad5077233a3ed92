package org.kith.bench.net;

import com.google.protobuf.Empty;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.bench.ask.AskBenchmark;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.model.EmbedderSource;
import org.kith.node.net.Admission;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.Transport;
import org.kith.node.net.TransportConfig;
import org.kith.node.peers.ListenConfig;
import org.kith.node.peers.Peer;
import org.kith.node.query.Asking;
import org.kith.protocol.Limits;
import org.kith.protocol.boxstream.BoxStreamDecoder;
import org.kith.protocol.boxstream.BoxStreamEncoder;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameDecoder;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.handshake.Session;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;
import org.kith.protocol.proto.RecordKind;

/**
 * Fairness under a flood (issue 10): real nodes on loopback; Alice is attacked while Bob, paired with her,
 * asks her questions. The attacker, on the same machine, runs two threads from loopback addresses of its own
 * (127.0.8.0/24, 127.0.9.0/24): one opens unpaired sessions with fresh keys one after another (handshake,
 * HELLO, PING, as one keeping sessions alive would), the other keeps {@link #SILENT_SOCKETS} TCP connections
 * open that never send a byte and replaces one every {@link #CHURN_MILLIS} ms.
 *
 * <p>Figures, the unloaded ones measured in the same run just before the flood starts:
 * {@code flood_ask_p95_unloaded_ms} and {@code flood_ask_p95_under_flood_ms} (Bob's asks at hops 1), their
 * {@code flood_ask_p95_slowdown_ratio} (under flood over unloaded: 1 is no slowdown; the attacker's crypto
 * shares the machine's cores with the nodes, so part of it is CPU, not admission);
 * {@code flood_peer_connect_success_unloaded} and {@code flood_peer_connect_success_under_flood} (the
 * fraction of fresh connections a paired peer's transport got to Alice); {@code flood_pair_ok} (1 when Carol
 * paired with a valid invite during the flood) and {@code flood_pair_ms}; and the attack's own rate,
 * {@code flood_stranger_sessions_per_s} and {@code flood_silent_connects_per_s}.
 */
public final class FloodBenchmark implements Benchmark {
  static final char[] PASS = "bench passphrase".toCharArray();
  /** Silent sockets the attacker holds open at once: more than all of Alice's budgets together. */
  static final int SILENT_SOCKETS = 200;
  /** The attacker replaces its oldest silent socket this often. */
  static final long CHURN_MILLIS = 2;
  static final int RECORDS = 20;

  @Override
  public String name() {
    return "flood";
  }

  static KithNode node(Path root, String name) throws Exception {
    Home home = new Home(root.resolve(name));
    EmbedderSource hashing = d -> new AskBenchmark.Hashing();
    KithNode.Options o = KithNode.Options.of(hashing)
        // Bob asks back to back: the per-peer request rate (10/s) would refuse him long before any flood does.
        .withTransport(TransportConfig.defaults().withRequestLimits(64, 100_000, 100_000)
            .withReconnect(Duration.ofMillis(50), Duration.ofMillis(500)))
        .withoutAutoSync();
    KithNode.init(home, PASS, name, o).close();
    KithNode n = KithNode.open(home, PASS, o);
    n.start(new ListenConfig("127.0.0.1", 0));
    n.queries().queriesPerPeerPerMinute(1_000_000);
    return n;
  }

  @Override
  public void run(boolean quick, Report report) throws Exception {
    int asks = quick ? 40 : 300;
    int connects = quick ? 20 : 100;
    Path scratch = Files.createTempDirectory(Path.of(System.getProperty("kith.bench.scratch",
        System.getProperty("java.io.tmpdir"))), "flood");
    try (KithNode alice = node(scratch, "alice");
        KithNode bob = node(scratch, "bob");
        KithNode carol = node(scratch, "carol")) {
      InetSocketAddress target = alice.transport().listenAddress().orElseThrow();
      String code = alice.pairing().invite("neighbours", Duration.ofMinutes(10), 1).text();
      bob.pairing().pair(code, null, Duration.ofSeconds(10), true);
      for (int r = 0; r < RECORDS; r++) {
        alice.sharing().offer(RecordKind.OFFER, "offer " + r + " of a ladder, a drill or help with "
            + (r % 2 == 0 ? "bicycle repair" : "garden compost"), "neighbours", Duration.ofDays(30));
      }
      alice.ranker().ensureVectors(alice.records().own(false));
      awaitConnected(alice, bob);

      // A second paired peer, a bare transport, whose fresh connections are counted.
      KeyPair danKey = KeyPair.generate();
      long now = System.currentTimeMillis();
      alice.peerBook().put(new Peer(danKey.id(), "dan", "neighbours", List.of(), now, now, false, false));
      try (Transport dan = new Transport(TransportConfig.defaults(), danKey, NetworkKey.KITH_V1,
          (from, request) -> CompletableFuture.failedFuture(new IllegalStateException("not served")),
          Admission.everyone())) {
        for (int w = 0; w < 5; w++) {
          bob.queries().ask("warm-up " + w, 10, 1, Duration.ofSeconds(10));
        }
        double[] unloaded = askTimes(bob, asks, "unloaded");
        double connectsUnloaded = connectSuccess(dan, target, alice.id(), connects);

        try (SessionLoop sessions = new SessionLoop(target, alice.id());
            SilentFlood silent = new SilentFlood(target)) {
          long t0 = System.nanoTime();
          while (silent.opened.get() < SILENT_SOCKETS || sessions.sessions.get() < 10) {
            if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
              throw new IllegalStateException("the attack did not get going: " + silent.opened.get()
                  + " silent sockets, " + sessions.sessions.get() + " sessions");
            }
            Thread.sleep(10);
          }
          long attackStart = System.nanoTime();
          long sessionsStart = sessions.sessions.get();
          long silentStart = silent.opened.get();

          double[] flooded = askTimes(bob, asks, "under flood");
          double connectsFlooded = connectSuccess(dan, target, alice.id(), connects);
          String invite = alice.pairing().invite("neighbours", Duration.ofMinutes(10), 1).text();
          long p0 = System.nanoTime();
          boolean paired;
          try {
            carol.pairing().pair(invite, null, Duration.ofSeconds(10), true);
            paired = true;
          } catch (Exception e) {
            System.err.println("# flood: pair during the flood failed: " + e.getMessage());
            paired = false;
          }
          double pairMs = (System.nanoTime() - p0) / 1e6;
          double secs = (System.nanoTime() - attackStart) / 1e9;

          double p95Unloaded = Report.percentile(unloaded, 95);
          double p95Flooded = Report.percentile(flooded, 95);
          report.figure("flood_ask_p95_unloaded_ms", p95Unloaded, "ms");
          report.figure("flood_ask_p95_under_flood_ms", p95Flooded, "ms");
          report.ratio("flood_ask_p95_slowdown_ratio", p95Flooded, p95Unloaded);
          report.figure("flood_peer_connect_success_unloaded", connectsUnloaded, "fraction");
          report.figure("flood_peer_connect_success_under_flood", connectsFlooded, "fraction");
          report.figure("flood_pair_ok", paired ? 1 : 0, "bool");
          report.figure("flood_pair_ms", pairMs, "ms");
          report.figure("flood_stranger_sessions_per_s", (sessions.sessions.get() - sessionsStart) / secs, "1/s");
          report.figure("flood_silent_connects_per_s", (silent.opened.get() - silentStart) / secs, "1/s");
          if (sessions.pongs.get() > 0) {
            report.figure("flood_stranger_pongs", sessions.pongs.get(), "frames");
          }
        }
      }
    } finally {
      AskBenchmark.delete(scratch);
    }
  }

  static void awaitConnected(KithNode a, KithNode b) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(a.peers().connectedPeers().contains(b.id()) && b.peers().connectedPeers().contains(a.id()))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("benchmark nodes did not connect");
      }
      Thread.sleep(5);
    }
  }

  /** Milliseconds of each of {@code n} asks from {@code asker} at hops 1; an ask without Alice's answer fails. */
  static double[] askTimes(KithNode asker, int n, String phase) throws Exception {
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      Asking.AskResult r = asker.queries().ask("who can help with bicycle repair, number " + i + "?", 10, 1,
          Duration.ofSeconds(10));
      ms[i] = (System.nanoTime() - t0) / 1e6;
      if (r.answered() < r.asked() || r.asked() == 0) {
        throw new IllegalStateException("ask " + i + " " + phase + " was not answered: " + r.answered() + " of "
            + r.asked());
      }
    }
    return ms;
  }

  /** The fraction of {@code n} fresh connections (each closed before the next) that completed. */
  static double connectSuccess(Transport t, InetSocketAddress addr, PublicId server, int n) throws Exception {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      try {
        PeerConnection c = t.connect(addr, server).get(30, TimeUnit.SECONDS);
        c.request(FrameType.PING, Empty.getDefaultInstance()).get(30, TimeUnit.SECONDS);
        ok++;
        c.close();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        System.err.println("# flood: a paired peer's connect failed: " + e.getMessage());
      }
    }
    return ok / (double) n;
  }

  /** Unpaired sessions one after another from 127.0.8.1-14: fresh key, handshake, HELLO, PING, answer. */
  static final class SessionLoop implements AutoCloseable {
    final AtomicLong sessions = new AtomicLong();
    final AtomicLong pongs = new AtomicLong();
    private final Thread thread;
    private volatile boolean stop;

    SessionLoop(InetSocketAddress target, PublicId server) {
      thread = new Thread(() -> {
        for (int i = 0; !stop; i++) {
          try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress("127.0.8." + (1 + i % 14), 0));
            s.connect(target, 10_000);
            s.setSoTimeout(10_000);
            if (session(s, server)) {
              pongs.incrementAndGet();
            }
            sessions.incrementAndGet();
          } catch (Exception e) {
            // displaced or closed: the attacker simply tries again
          }
        }
      }, "flood-sessions");
      thread.setDaemon(true);
      thread.start();
    }

    /** One session; true if the node answered the PING with a PONG (it should not). */
    private static boolean session(Socket s, PublicId server) throws Exception {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      try (KeyPair key = KeyPair.generate()) {
        SecretHandshake shs = SecretHandshake.client(NetworkKey.KITH_V1, key, server.key());
        while (!shs.isComplete()) {
          byte[] m = shs.nextMessage();
          if (m != null) {
            out.write(m);
          }
          byte[] reply = in.readNBytes(shs.expectedBytes());
          if (reply.length < shs.expectedBytes()) {
            return false;
          }
          shs.receive(reply);
        }
        try (Session session = shs.session(); BoxStreamEncoder enc = new BoxStreamEncoder(session);
            BoxStreamDecoder dec = new BoxStreamDecoder(session)) {
          out.write(enc.encode(FrameCodec.encode(FrameCodec.frame(FrameType.HELLO, 0,
              Hello.newBuilder().setProtocolVersion(Limits.PROTOCOL_VERSION).build()))));
          out.write(enc.encode(FrameCodec.encode(FrameCodec.frame(FrameType.PING, 1, Empty.getDefaultInstance()))));
          out.flush();
          FrameDecoder frames = new FrameDecoder();
          byte[] buf = new byte[4096];
          for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            for (byte[] body : dec.decode(buf, 0, n)) {
              for (Frame f : frames.feed(body)) {
                if (f.getHeader().getType() == FrameType.PONG) {
                  return true; // an attacker could keep this session
                }
              }
            }
          }
          return false;
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(30_000);
    }
  }

  /** {@link #SILENT_SOCKETS} silent TCP connections from 127.0.9.1-20, the oldest replaced continuously. */
  static final class SilentFlood implements AutoCloseable {
    final AtomicLong opened = new AtomicLong();
    private final Thread thread;
    private volatile boolean stop;

    SilentFlood(InetSocketAddress target) {
      thread = new Thread(() -> {
        ArrayDeque<SocketChannel> open = new ArrayDeque<>();
        ByteBuffer buf = ByteBuffer.allocate(64);
        try {
          for (int i = 0; !stop; i++) {
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
            if (open.size() >= SILENT_SOCKETS) {
              closeQuietly(open.poll());
            }
            SocketChannel ch = SocketChannel.open();
            try {
              ch.bind(new InetSocketAddress("127.0.9." + (1 + i % 20), 0));
              ch.connect(target);
              ch.configureBlocking(false);
              open.add(ch);
              opened.incrementAndGet();
            } catch (IOException e) {
              closeQuietly(ch);
            }
            Thread.sleep(CHURN_MILLIS);
          }
        } catch (IOException | InterruptedException e) {
          // stopping
        } finally {
          open.forEach(SilentFlood::closeQuietly);
        }
      }, "flood-silent");
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
      thread.join(30_000);
    }
  }
}
