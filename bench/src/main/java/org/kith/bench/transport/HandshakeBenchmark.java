package org.kith.bench.transport;

import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.protocol.handshake.HandshakeException;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.identity.KeyPair;

/**
 * Secret Handshakes per second, client and server state machines in memory on one thread, against the
 * reference secret-handshake doing the same in node (its pull-stream client and server piped together), in the
 * same run. Figures: {@code shs_java_handshakes_per_s}, {@code shs_js_handshakes_per_s},
 * {@code shs_java_vs_js_ratio} (floor 2.0 in the issue). Both sides spend most of a handshake in the same
 * libsodium primitives (six X25519, two Ed25519 signatures and verifications), which bounds the ratio well below
 * 2; see the report. The reference also converts four Ed25519 keys to Curve25519 per handshake (each about one
 * scalar multiplication, with libsodium's subgroup check); we convert a long-term key once and remember it
 * (CurveKeys), as a node meets the same peers again and again, so this loop, one pair of keys, measures that case.
 */
public final class HandshakeBenchmark implements Benchmark {
  @Override
  public String name() {
    return "shs";
  }

  @Override
  public void run(boolean quick, Report report) throws Exception {
    // Short alternating rounds, so both implementations see the same (shared, noisy) machine.
    int rounds = quick ? 5 : 15;
    int perRound = quick ? 300 : 1000;
    KeyPair client = KeyPair.fromSeed(filled(0x11));
    KeyPair server = KeyPair.fromSeed(filled(0x22));
    byte[] serverPublic = server.publicKey();
    for (int i = 0; i < perRound; i++) {
      handshake(client, server, serverPublic); // warm-up
    }
    double[] ours = new double[rounds];
    double[] js = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < perRound; i++) {
        handshake(client, server, serverPublic);
      }
      ours[r] = perRound / ((System.nanoTime() - t0) / 1e9);
      // node warms up with perRound handshakes of its own before timing perRound more; start-up is not timed.
      js[r] = Double.parseDouble(NodeScript.value(NodeScript.run("bench", String.valueOf(perRound)), "RATE"));
    }
    double oursMedian = Report.median(ours);
    double theirsMedian = Report.median(js);
    report.figure("shs_java_handshakes_per_s", oursMedian, "1/s");
    report.figure("shs_js_handshakes_per_s", theirsMedian, "1/s");
    report.ratio("shs_java_vs_js_ratio", oursMedian, theirsMedian);

    // What a node can accept: the transport's event loop group has two threads, and the reference's Node.js
    // event loop has one. Reported apart from the per-thread ratio above, which is the like-for-like one.
    int threads = 2;
    double[] parallel = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
      try {
        long t0 = System.nanoTime();
        java.util.List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          fs.add(pool.submit(() -> {
            for (int i = 0; i < perRound; i++) {
              handshake(client, server, serverPublic);
            }
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : fs) {
          f.get();
        }
        parallel[r] = threads * perRound / ((System.nanoTime() - t0) / 1e9);
      } finally {
        pool.shutdown();
      }
    }
    report.figure("shs_java_2threads_handshakes_per_s", Report.median(parallel), "1/s");
    report.ratio("shs_java_2threads_vs_js_ratio", Report.median(parallel), theirsMedian);
  }

  static void handshake(KeyPair clientKeys, KeyPair serverKeys, byte[] serverPublic) throws HandshakeException {
    SecretHandshake c = SecretHandshake.client(NetworkKey.KITH_V1, clientKeys, serverPublic);
    SecretHandshake s = SecretHandshake.server(NetworkKey.KITH_V1, serverKeys, k -> true);
    s.receive(c.nextMessage());
    c.receive(s.nextMessage());
    s.receive(c.nextMessage());
    c.receive(s.nextMessage());
    if (!c.isComplete() || !s.isComplete()) {
      throw new IllegalStateException("handshake did not complete");
    }
  }

  private static byte[] filled(int b) {
    byte[] a = new byte[32];
    java.util.Arrays.fill(a, (byte) b);
    return a;
  }
}
