package org.kith.bench.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.protocol.boxstream.BoxStreamDecoder;
import org.kith.protocol.boxstream.BoxStreamEncoder;
import org.kith.protocol.boxstream.BoxStreamException;
import org.kith.sodium.Sodium;

/**
 * Box-stream encrypt+decrypt of 4 KiB bodies, against raw libsodium crypto_secretbox_easy/open_easy calls on
 * the same bodies in the same run. Figures: {@code boxstream_mb_per_s} (MB = 10^6 bytes of body),
 * {@code boxstream_vs_secretbox_ratio} (floor 0.8).
 */
public final class BoxStreamBenchmark implements Benchmark {
  private static final int BODY_BYTES = 4096;
  private static final int BODIES = 64;

  @Override
  public String name() {
    return "boxstream";
  }

  @Override
  public void run(boolean quick, Report report) throws Exception {
    int rounds = quick ? 7 : 15;
    int passes = quick ? 150 : 600;
    Random random = new Random(42);
    byte[][] bodies = new byte[BODIES][BODY_BYTES];
    for (byte[] b : bodies) {
      random.nextBytes(b);
    }
    byte[] key = new byte[32];
    byte[] nonce = new byte[24];
    random.nextBytes(key);
    random.nextBytes(nonce);
    long sink = 0;
    for (int i = 0; i < passes; i++) { // warm-up both
      sink += boxStream(bodies, key, nonce) + secretbox(bodies, key, nonce);
    }
    double[] ours = new double[rounds];
    double[] base = new double[rounds];
    double bytes = (double) passes * BODIES * BODY_BYTES;
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < passes; i++) {
        sink += boxStream(bodies, key, nonce);
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < passes; i++) {
        sink += secretbox(bodies, key, nonce);
      }
      long t2 = System.nanoTime();
      ours[r] = bytes / ((t1 - t0) / 1e9) / 1e6;
      base[r] = bytes / ((t2 - t1) / 1e9) / 1e6;
    }
    if (sink == 42) {
      System.err.println("#");
    }
    report.figure("boxstream_mb_per_s", Report.median(ours), "MB/s");
    report.figure("secretbox_mb_per_s", Report.median(base), "MB/s");
    report.ratio("boxstream_vs_secretbox_ratio", Report.median(ours), Report.median(base));
  }

  /** One pass: each body encoded and decoded, as a connection would, with a fresh pair of coders. */
  private static long boxStream(byte[][] bodies, byte[] key, byte[] nonce) throws BoxStreamException {
    long n = 0;
    try (BoxStreamEncoder enc = new BoxStreamEncoder(key, nonce);
        BoxStreamDecoder dec = new BoxStreamDecoder(key, nonce)) {
      List<byte[]> out = new ArrayList<>(2);
      for (byte[] body : bodies) {
        byte[] wire = enc.encode(body);
        dec.decode(wire, 0, wire.length, out);
        n += out.get(out.size() - 1).length;
        out.clear();
      }
    }
    return n;
  }

  /** The baseline: one secretbox and one open per body, same key, a counter nonce. */
  private static long secretbox(byte[][] bodies, byte[] key, byte[] nonce) {
    long n = 0;
    byte[] nonceNow = nonce.clone();
    for (byte[] body : bodies) {
      byte[] boxed = new byte[body.length + 16];
      Sodium.raw().crypto_secretbox_easy(boxed, body, body.length, nonceNow, key);
      byte[] opened = new byte[body.length];
      if (Sodium.raw().crypto_secretbox_open_easy(opened, boxed, boxed.length, nonceNow, key) != 0) {
        throw new IllegalStateException("secretbox did not open");
      }
      nonceNow[23]++;
      n += opened.length;
    }
    return n;
  }
}
