package org.kith.protocol.record;

import com.google.protobuf.UnsafeByteOperations;
import java.security.MessageDigest;
import java.util.Arrays;
import org.kith.protocol.Sodium;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.SignedRecord;

/** Signs records (spec/PROTOCOL.md section 7.2). */
public final class RecordSigner {
  private RecordSigner() {}

  /**
   * Serializes {@code record} once and signs {@code "kith/record/v1" || body} with Ed25519.
   *
   * @param secretKey64 the author's libsodium secret key (seed || public key); its public half MUST be
   *     {@code record.author}
   * @throws IllegalArgumentException if the record would not pass {@link RecordVerifier#verify} at its own
   *     creation time, or the key is not the author's: both are bugs of the caller, not of a peer
   */
  public static SignedRecord sign(Record record, byte[] secretKey64) {
    if (secretKey64 == null || secretKey64.length != 64) {
      throw new IllegalArgumentException(
          "secret key must be 64 bytes: " + (secretKey64 == null ? "null" : secretKey64.length));
    }
    byte[] publicHalf = Arrays.copyOfRange(secretKey64, 32, 64);
    if (!MessageDigest.isEqual(publicHalf, record.getAuthor().toByteArray())) {
      throw new IllegalArgumentException("record author is not the signing key's public key");
    }
    byte[] body = record.toByteArray();
    try {
      RecordVerifier.checkFields(record);
    } catch (RecordException e) {
      throw new IllegalArgumentException("record would not verify: " + e.getMessage(), e);
    }
    if (body.length > org.kith.protocol.Limits.MAX_RECORD_BYTES) {
      throw new IllegalArgumentException("record body of " + body.length + " bytes exceeds MAX_RECORD_BYTES");
    }
    byte[] message = RecordVerifier.signedMessage(body);
    byte[] signature = new byte[RecordVerifier.SIGNATURE_BYTES];
    if (Sodium.raw().crypto_sign_detached(signature, null, message, message.length, secretKey64) != 0) {
      throw new IllegalStateException("crypto_sign_detached failed");
    }
    return SignedRecord.newBuilder()
        .setBody(UnsafeByteOperations.unsafeWrap(body)) // body is ours and never written again
        .setSignature(UnsafeByteOperations.unsafeWrap(signature))
        .build();
  }
}
