package org.kith.protocol.record;

import com.google.protobuf.ByteString;
import org.kith.protocol.Limits;
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
    DomainSignature.Signed s = DomainSignature.sign(RecordVerifier.DOMAIN, record, secretKey64,
        Limits.MAX_RECORD_BYTES);
    return SignedRecord.newBuilder().setBody(s.body()).setSignature(s.signature()).build();
  }
}
