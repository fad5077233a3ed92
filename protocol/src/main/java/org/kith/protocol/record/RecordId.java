package org.kith.protocol.record;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.kith.protocol.proto.SignedRecord;
import org.kith.sodium.Sodium;

/**
 * The name of a record: BLAKE2b-256 of {@code "kith/record-id/v1" || body}, where body is the exact signed
 * bytes (spec/PROTOCOL.md section 7.3).
 *
 * <p>The id covers what the signature covers and nothing else. It is never taken from the signature, so a
 * second valid encoding of a signature (malleability, in any implementation) cannot give a record a second
 * name that would slip past deduplication or a retraction.
 */
public final class RecordId {
  public static final int BYTES = 32;
  static final byte[] DOMAIN = "kith/record-id/v1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] bytes;

  private RecordId(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The id of {@code record}. Meaningful only once the record has verified. */
  public static RecordId of(SignedRecord record) {
    ByteString body = record.getBody();
    byte[] input = new byte[DOMAIN.length + body.size()];
    System.arraycopy(DOMAIN, 0, input, 0, DOMAIN.length);
    body.copyTo(input, DOMAIN.length);
    byte[] out = new byte[BYTES];
    if (Sodium.raw().crypto_generichash(out, BYTES, input, input.length, null, 0) != 0) {
      throw new IllegalStateException("crypto_generichash failed");
    }
    return new RecordId(out);
  }

  /** An id received on the wire (a {@code Retract.record_id}, say). */
  public static RecordId fromBytes(byte[] bytes) {
    if (bytes == null || bytes.length != BYTES) {
      throw new IllegalArgumentException(
          "record id must be " + BYTES + " bytes: " + (bytes == null ? "null" : bytes.length));
    }
    return new RecordId(bytes.clone());
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public ByteString toByteString() {
    return ByteString.copyFrom(bytes);
  }

  public String hex() {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecordId other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "RecordId[" + hex() + "]";
  }
}
