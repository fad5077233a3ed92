package org.kith.protocol.record;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.SignedRecord;
import org.kith.sodium.Sodium;

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
    if (!record.getAuthor().equals(ByteString.copyFrom(secretKey64, 32, 32))) {
      throw new IllegalArgumentException("record author is not the signing key's public key");
    }
    try {
      RecordVerifier.checkFields(record);
    } catch (RecordException e) {
      throw new IllegalArgumentException("record would not verify: " + e.getMessage(), e);
    }
    int size = record.getSerializedSize();
    if (size > Limits.MAX_RECORD_BYTES) {
      throw new IllegalArgumentException("record body of " + size + " bytes exceeds MAX_RECORD_BYTES");
    }
    // Serialize once, straight behind the domain prefix: the signed message and the body share one array.
    byte[] message = new byte[RecordVerifier.DOMAIN.length + size];
    System.arraycopy(RecordVerifier.DOMAIN, 0, message, 0, RecordVerifier.DOMAIN.length);
    CodedOutputStream out = CodedOutputStream.newInstance(message, RecordVerifier.DOMAIN.length, size);
    try {
      record.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("record buffer sized wrongly", e);
    }
    byte[] signature = new byte[RecordVerifier.SIGNATURE_BYTES];
    if (Sodium.raw().crypto_sign_detached(signature, null, message, message.length, secretKey64) != 0) {
      throw new IllegalStateException("crypto_sign_detached failed");
    }
    // Both arrays are ours and never written again, so wrapping them without a copy is safe.
    return SignedRecord.newBuilder()
        .setBody(UnsafeByteOperations.unsafeWrap(message, RecordVerifier.DOMAIN.length, size))
        .setSignature(UnsafeByteOperations.unsafeWrap(signature))
        .build();
  }
}
