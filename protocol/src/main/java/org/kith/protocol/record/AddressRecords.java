package org.kith.protocol.record;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.AddressRecord;
import org.kith.protocol.proto.SignedAddressRecord;

/**
 * Signs and verifies address records (spec/PROTOCOL.md 12.3): where a node can be reached, signed by it with
 * the scheme of records (7.2) under its own prefix {@code "kith/addresses/v1"}, so an address record can never
 * pass for a record nor the reverse. What a receiver does with a verified one (the seq rule, which kinds it
 * dials) is the node's.
 */
public final class AddressRecords {
  /** The signature is over this prefix followed by the body. */
  public static final byte[] DOMAIN = "kith/addresses/v1".getBytes(StandardCharsets.US_ASCII);
  /** Addresses one record carries at most. */
  public static final int MAX_ADDRESSES = 8;
  /** UTF-8 bytes of one address at most. */
  public static final int MAX_ADDRESS_BYTES = 100;
  /** A body at most: 8 addresses of 100 bytes with their tags, the author, seq and time, with room to spare. */
  public static final int MAX_BODY_BYTES = 1024;

  private AddressRecords() {}

  /** A record whose signature, sizes and fields passed; {@code body} is the signed bytes as received. */
  public record Verified(byte[] author, long seq, long issuedAtMillis, List<String> addresses, ByteString body) {}

  /**
   * Signs {@code record}; a record that would not verify (wrong author, seq 0, too many or too long addresses)
   * is a bug of the caller and throws {@link IllegalArgumentException}.
   */
  public static SignedAddressRecord sign(AddressRecord record, byte[] secretKey64) {
    if (secretKey64 == null || secretKey64.length != 64) {
      throw new IllegalArgumentException("secret key must be 64 bytes");
    }
    if (!record.getAuthor().equals(ByteString.copyFrom(secretKey64, 32, 32))) {
      throw new IllegalArgumentException("address record author is not the signing key's public key");
    }
    try {
      checkFields(record);
    } catch (RecordException e) {
      throw new IllegalArgumentException("address record would not verify: " + e.getMessage(), e);
    }
    DomainSignature.Signed s = DomainSignature.sign(DOMAIN, record, secretKey64, MAX_BODY_BYTES);
    return SignedAddressRecord.newBuilder().setBody(s.body()).setSignature(s.signature()).build();
  }

  /**
   * Verifies in the order of spec 12.3: signature length, body size, the author at the start of the body, the
   * signature, and only then the parse and the fields. {@code TOO_LARGE} for a body, a count or an address
   * over its limit; {@code BAD_SIGNATURE}; {@code MALFORMED} for everything else.
   */
  public static Verified verify(SignedAddressRecord signed) throws RecordException {
    ByteString body = signed.getBody();
    byte[] author = DomainSignature.verify(DOMAIN, body, signed.getSignature(), MAX_BODY_BYTES);
    AddressRecord r;
    CodedInputStream in = body.newCodedInput();
    in.setRecursionLimit(Limits.MAX_PARSE_DEPTH);
    in.setSizeLimit(MAX_BODY_BYTES);
    try {
      r = AddressRecord.parser().parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
      in.checkLastTagWas(0);
    } catch (InvalidProtocolBufferException e) {
      throw new RecordException(RecordException.Reason.MALFORMED, "address record does not parse", e);
    }
    if (!r.getAuthor().equals(ByteString.copyFrom(author))) {
      throw new RecordException(RecordException.Reason.MALFORMED, "body repeats its author field");
    }
    checkFields(r);
    return new Verified(author, r.getSeq(), r.getIssuedAtMs(), List.copyOf(r.getAddressesList()), body);
  }

  static void checkFields(AddressRecord r) throws RecordException {
    if (r.getAuthor().size() != RecordVerifier.AUTHOR_BYTES) {
      throw new RecordException(RecordException.Reason.MALFORMED, "author of " + r.getAuthor().size() + " bytes");
    }
    if (r.getSeq() == 0) {
      throw new RecordException(RecordException.Reason.MALFORMED, "seq 0; sequence numbers start at 1");
    }
    if (r.getIssuedAtMs() == 0) {
      throw new RecordException(RecordException.Reason.MALFORMED, "issued_at_ms 0");
    }
    if (r.getAddressesCount() > MAX_ADDRESSES) {
      throw new RecordException(RecordException.Reason.TOO_LARGE,
          r.getAddressesCount() + " addresses, at most " + MAX_ADDRESSES);
    }
    for (String a : r.getAddressesList()) {
      int n = RecordVerifier.utf8Length(a);
      if (n == 0) {
        throw new RecordException(RecordException.Reason.MALFORMED, "an empty address");
      }
      if (n > MAX_ADDRESS_BYTES) {
        throw new RecordException(RecordException.Reason.TOO_LARGE,
            "an address of " + n + " bytes, at most " + MAX_ADDRESS_BYTES);
      }
    }
  }
}
