package org.kith.bench.record;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.protocol.proto.NoteContent;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.record.RecordException;
import org.kith.protocol.record.RecordSigner;
import org.kith.protocol.record.RecordVerifier;
import org.kith.sodium.Sodium;

/**
 * Record signing and verifying against raw libsodium {@code crypto_sign_detached} /
 * {@code crypto_sign_verify_detached} on the same prefixed bytes. Ours includes serializing, the field and
 * content checks, copies and, on verify, parsing and the BLAKE2b record id; the ratios say what all that
 * costs on top of the curve arithmetic. Rounds interleave ours and raw, alternating which goes first; figures
 * are medians over rounds.
 */
public final class RecordBenchmark implements Benchmark {
  private static final int WARMUP_ROUNDS = 10;

  @Override
  public String name() {
    return "record";
  }

  @Override
  public void run(boolean quick, Report report) throws Exception {
    int rounds = quick ? 41 : 121;
    int ops = quick ? 150 : 400;

    byte[] pk = new byte[32];
    byte[] sk = new byte[64];
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) 0x01);
    Sodium.raw().crypto_sign_seed_keypair(pk, sk, seed);
    long now = System.currentTimeMillis();
    // A typical shared note: a title, a paragraph, two tags.
    Record record = Record.newBuilder()
        .setAuthor(ByteString.copyFrom(pk))
        .setSeq(42)
        .setCreatedAtMs(now)
        .setExpiresAtMs(now + 30L * 24 * 60 * 60 * 1000)
        .setKind(RecordKind.NOTE)
        .setReach(2)
        .setAudience("neighbours")
        .setContent(NoteContent.newBuilder()
            .setTitle("Seed swap")
            .setText("Saturday at the library, 10 to 12. Bring labelled envelopes; tomatoes, beans, "
                + "squash and herbs welcome. Spare jars for the compost tea too. ".repeat(4))
            .addTags("garden").addTags("swap")
            .build().toByteString())
        .build();
    SignedRecord signed = RecordSigner.sign(record, sk);
    byte[] body = signed.getBody().toByteArray();
    byte[] prefix = "kith/record/v1".getBytes(StandardCharsets.US_ASCII);
    byte[] message = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, message, 0, prefix.length);
    System.arraycopy(body, 0, message, prefix.length, body.length);
    byte[] signature = signed.getSignature().toByteArray();

    double[] signOurs = new double[rounds];
    double[] signRaw = new double[rounds];
    double[] verifyOurs = new double[rounds];
    double[] verifyRaw = new double[rounds];
    double[] signRatio = new double[rounds];
    double[] verifyRatio = new double[rounds];
    long sink = 0;

    // Warm-up rounds, discarded, so the JIT has compiled both paths before anything is measured. Each round
    // runs ours, raw, raw, ours (ABBA) back to back, so a load change on this shared machine during the round
    // hits both sides alike; short rounds and the median of per-round ratios do the rest.
    for (int r = -WARMUP_ROUNDS; r < rounds; r++) {
      double so = signOurs(record, sk, ops);
      double sr = signRaw(message, sk, ops);
      sr = harmonic(sr, signRaw(message, sk, ops));
      so = harmonic(so, signOurs(record, sk, ops));
      double vo = verifyOurs(signed, now, ops);
      double vr = verifyRaw(signature, message, pk, ops);
      vr = harmonic(vr, verifyRaw(signature, message, pk, ops));
      vo = harmonic(vo, verifyOurs(signed, now, ops));
      if (r < 0) {
        continue;
      }
      signOurs[r] = so;
      signRaw[r] = sr;
      verifyOurs[r] = vo;
      verifyRaw[r] = vr;
      signRatio[r] = so / sr;
      verifyRatio[r] = vo / vr;
      sink += (long) so;
    }
    report.figure("record_sign_per_s", Report.median(signOurs), "ops/s");
    report.figure("record_sign_raw_per_s", Report.median(signRaw), "ops/s");
    report.figure("record_verify_per_s", Report.median(verifyOurs), "ops/s");
    report.figure("record_verify_raw_per_s", Report.median(verifyRaw), "ops/s");
    report.figure("record_body_bytes", body.length, "bytes");
    report.figure("record_sign_vs_raw_ratio", Report.median(signRatio), "x");
    report.figure("record_verify_vs_raw_ratio", Report.median(verifyRatio), "x");
    if (sink == 42) {
      System.err.print("");
    }
  }

  private static double signOurs(Record record, byte[] sk, int ops) {
    long sink = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      sink += RecordSigner.sign(record, sk).getSignature().byteAt(0);
    }
    return rate(ops, System.nanoTime() - t0, sink);
  }

  private static double signRaw(byte[] message, byte[] sk, int ops) {
    long sink = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      byte[] sig = new byte[64];
      Sodium.raw().crypto_sign_detached(sig, null, message, message.length, sk);
      sink += sig[0];
    }
    return rate(ops, System.nanoTime() - t0, sink);
  }

  private static double verifyOurs(SignedRecord signed, long now, int ops) throws RecordException {
    long sink = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      sink += RecordVerifier.verify(signed, now).record().getSeq();
    }
    return rate(ops, System.nanoTime() - t0, sink);
  }

  private static double verifyRaw(byte[] signature, byte[] message, byte[] pk, int ops) {
    long sink = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      if (Sodium.raw().crypto_sign_verify_detached(signature, message, message.length, pk) != 0) {
        throw new IllegalStateException("baseline signature does not verify");
      }
      sink++;
    }
    return rate(ops, System.nanoTime() - t0, sink);
  }

  /** The rate of two equal batches run one after the other. */
  private static double harmonic(double a, double b) {
    return 2 / (1 / a + 1 / b);
  }

  private static double rate(int ops, long nanos, long sink) {
    // sink keeps the loop bodies observable; it never changes the figure.
    return ops / (nanos / 1e9) + (sink == Long.MIN_VALUE ? 1 : 0);
  }
}
