package org.kith.protocol.record;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.kith.sodium.Sodium;

/**
 * Ed25519 over {@code domain || body}, where {@code body} is a message serialized once and carried as is: the
 * one signing scheme of records (spec/PROTOCOL.md 7.2) and address records (12.3), each with its own prefix.
 */
final class DomainSignature {
  /** The serialized body and the signature over {@code domain || body}. */
  record Signed(ByteString body, ByteString signature) {}

  private DomainSignature() {}

  /** Serializes {@code m} once, straight behind the prefix, and signs; {@code m} must fit {@code maxBody}. */
  static Signed sign(byte[] domain, MessageLite m, byte[] secretKey64, int maxBody) {
    if (secretKey64 == null || secretKey64.length != 64) {
      throw new IllegalArgumentException(
          "secret key must be 64 bytes: " + (secretKey64 == null ? "null" : secretKey64.length));
    }
    int size = m.getSerializedSize();
    if (size > maxBody) {
      throw new IllegalArgumentException("body of " + size + " bytes exceeds " + maxBody);
    }
    // The signed message and the body share one array.
    byte[] message = new byte[domain.length + size];
    System.arraycopy(domain, 0, message, 0, domain.length);
    CodedOutputStream out = CodedOutputStream.newInstance(message, domain.length, size);
    try {
      m.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("body buffer sized wrongly", e);
    }
    byte[] signature = new byte[RecordVerifier.SIGNATURE_BYTES];
    if (Sodium.raw().crypto_sign_detached(signature, null, message, message.length, secretKey64) != 0) {
      throw new IllegalStateException("crypto_sign_detached failed");
    }
    // Both arrays are ours and never written again, so wrapping them without a copy is safe.
    return new Signed(UnsafeByteOperations.unsafeWrap(message, domain.length, size),
        UnsafeByteOperations.unsafeWrap(signature));
  }

  /**
   * Checks sizes, the {@code 0a 20 author} start of {@code body} and the signature by that author, before
   * anything parses the body; returns the author key.
   */
  static byte[] verify(byte[] domain, ByteString body, ByteString signature, int maxBody) throws RecordException {
    if (signature.size() != RecordVerifier.SIGNATURE_BYTES) {
      throw new RecordException(RecordException.Reason.MALFORMED,
          "signature of " + signature.size() + " bytes, expected 64");
    }
    if (body.size() > maxBody) {
      throw new RecordException(RecordException.Reason.TOO_LARGE,
          "body of " + body.size() + " bytes exceeds " + maxBody);
    }
    int n = body.size();
    int authorEnd = RecordVerifier.AUTHOR_OFFSET + RecordVerifier.AUTHOR_BYTES;
    if (n < authorEnd || body.byteAt(0) != 0x0A || body.byteAt(1) != 0x20) {
      throw new RecordException(RecordException.Reason.MALFORMED, "body does not start with a 32-byte author field");
    }
    byte[] message = new byte[domain.length + n];
    System.arraycopy(domain, 0, message, 0, domain.length);
    body.copyTo(message, domain.length);
    int authorAt = domain.length + RecordVerifier.AUTHOR_OFFSET;
    byte[] author = Arrays.copyOfRange(message, authorAt, authorAt + RecordVerifier.AUTHOR_BYTES);
    if (Sodium.raw().crypto_sign_verify_detached(signature.toByteArray(), message, message.length, author) != 0) {
      throw new RecordException(RecordException.Reason.BAD_SIGNATURE, "signature does not verify");
    }
    return author;
  }
}
