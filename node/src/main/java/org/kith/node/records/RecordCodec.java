package org.kith.node.records;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.record.RecordException;
import org.kith.protocol.record.RecordVerifier;
import org.kith.protocol.record.VerifiedRecord;

/**
 * Stored record values (spec/VAULT.md): {@code 0x01 || [from key (32), peer records only] || SignedRecord}, and
 * verification of records in bulk.
 */
public final class RecordCodec {
  static final byte VALUE_VERSION = 1;
  /** Records verified by one task when a batch is spread over threads. */
  static final int VERIFY_CHUNK = 25;

  private RecordCodec() {}

  /** Null when the stored record expired or no longer verifies, which drops it the same way. */
  static Held decode(byte[] v, boolean withFrom, long now) {
    if (v.length < 1 || v[0] != VALUE_VERSION) {
      return null;
    }
    int at = 1;
    PublicId from = null;
    if (withFrom) {
      if (v.length < 33) {
        return null;
      }
      from = PublicId.ofKey(Arrays.copyOfRange(v, 1, 33));
      at = 33;
    }
    try {
      SignedRecord sr = SignedRecord.parseFrom(ByteString.copyFrom(v, at, v.length - at));
      return new Held(RecordVerifier.verify(sr, now), from);
    } catch (InvalidProtocolBufferException | RecordException e) {
      return null;
    }
  }

  static byte[] encode(SignedRecord sr, PublicId from) {
    byte[] body = sr.toByteArray();
    int extra = from == null ? 1 : 33;
    byte[] v = new byte[extra + body.length];
    v[0] = VALUE_VERSION;
    if (from != null) {
      System.arraycopy(from.key(), 0, v, 1, 32);
    }
    System.arraycopy(body, 0, v, extra, body.length);
    return v;
  }

  /** Verifies one record; null when it fails. */
  public static VerifiedRecord verifyOrNull(SignedRecord sr, long now) {
    try {
      return RecordVerifier.verify(sr, now);
    } catch (RecordException e) {
      return null;
    }
  }

  /** Verifies records on the calling thread; null for each that fails. */
  public static List<VerifiedRecord> verifyAll(List<SignedRecord> records, long now) {
    List<VerifiedRecord> out = new ArrayList<>(records.size());
    for (SignedRecord sr : records) {
      out.add(verifyOrNull(sr, now));
    }
    return out;
  }

  /**
   * Verifies records in chunks of {@value #VERIFY_CHUNK} on {@code executor}: Ed25519 verification is the
   * cost of a sync, and the records of a batch are independent. Null for each that fails, in order.
   */
  public static CompletableFuture<List<VerifiedRecord>> verifyAll(List<SignedRecord> records, long now,
      Executor executor) {
    List<CompletableFuture<List<VerifiedRecord>>> parts = new ArrayList<>();
    for (int i = 0; i < records.size(); i += VERIFY_CHUNK) {
      List<SignedRecord> chunk = records.subList(i, Math.min(records.size(), i + VERIFY_CHUNK));
      parts.add(CompletableFuture.supplyAsync(() -> verifyAll(chunk, now), executor));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<VerifiedRecord> out = new ArrayList<>(records.size());
      parts.forEach(p -> out.addAll(p.join()));
      return out;
    });
  }
}
