package org.kith.protocol.record;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.NeedContent;
import org.kith.protocol.proto.NoteContent;
import org.kith.protocol.proto.OfferContent;
import org.kith.protocol.proto.ProfileContent;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.Retract;
import org.kith.protocol.proto.SignedRecord;
import org.kith.sodium.Sodium;

/**
 * Checks a {@link SignedRecord} before anything stores or shows it (spec/PROTOCOL.md section 7.4).
 *
 * <p>The signature is checked first, over the body exactly as received, with the author key read from a
 * fixed place at the start of the body; only then is the body parsed. Nothing is ever re-serialized.
 */
public final class RecordVerifier {
  /** The signature is over this prefix followed by the body. */
  public static final byte[] DOMAIN = "kith/record/v1".getBytes(StandardCharsets.US_ASCII);

  public static final int SIGNATURE_BYTES = 64;
  public static final int AUTHOR_BYTES = 32;
  /** A body starts with field 1 (author), length-delimited, 32 bytes long: tag 0x0A, length 0x20. */
  static final int AUTHOR_OFFSET = 2;

  static final int MAX_TITLE_BYTES = 256;
  static final int MAX_TAGS = 16;
  static final int MAX_TAG_BYTES = 32;
  static final int MAX_OFFER_TEXT_BYTES = 2048;
  static final int MAX_TOPICS = 32;
  static final int MAX_LABELS = 8;
  static final int MAX_LABEL_BYTES = 32;

  private RecordVerifier() {}

  /**
   * The verified record, or the reason it is refused.
   *
   * @param nowMs the verifier's clock, Unix milliseconds
   */
  public static VerifiedRecord verify(SignedRecord signed, long nowMs) throws RecordException {
    // Sizes are checked before anything is copied: a copy sized by a peer's length field comes after its bound.
    int signatureBytes = signed.getSignature().size();
    if (signatureBytes != SIGNATURE_BYTES) {
      throw new RecordException(
          RecordException.Reason.MALFORMED, "signature of " + signatureBytes + " bytes, expected 64");
    }
    ByteString bodyBytes = signed.getBody();
    if (bodyBytes.size() > Limits.MAX_RECORD_BYTES) {
      throw new RecordException(
          RecordException.Reason.TOO_LARGE,
          "body of " + bodyBytes.size() + " bytes exceeds MAX_RECORD_BYTES " + Limits.MAX_RECORD_BYTES);
    }
    int n = bodyBytes.size();
    if (n < AUTHOR_OFFSET + AUTHOR_BYTES || bodyBytes.byteAt(0) != 0x0A || bodyBytes.byteAt(1) != 0x20) {
      throw new RecordException(
          RecordException.Reason.MALFORMED, "body does not start with a 32-byte author field");
    }
    byte[] signature = signed.getSignature().toByteArray();
    byte[] message = new byte[DOMAIN.length + n];
    System.arraycopy(DOMAIN, 0, message, 0, DOMAIN.length);
    bodyBytes.copyTo(message, DOMAIN.length);
    int authorAt = DOMAIN.length + AUTHOR_OFFSET;
    byte[] author = Arrays.copyOfRange(message, authorAt, authorAt + AUTHOR_BYTES);
    if (Sodium.raw().crypto_sign_verify_detached(signature, message, message.length, author) != 0) {
      throw new RecordException(RecordException.Reason.BAD_SIGNATURE, "signature does not verify");
    }

    Record record = parse(Record.parser(), bodyBytes.newCodedInput(), "body");
    // A repeated field 1 later in the body would replace the author on parsing; the signer's key must be
    // the author the rest of the system sees.
    if (!record.getAuthor().equals(bodyBytes.substring(AUTHOR_OFFSET, AUTHOR_OFFSET + AUTHOR_BYTES))) {
      throw new RecordException(RecordException.Reason.MALFORMED, "body repeats its author field");
    }
    MessageLite content = checkFields(record);
    checkTimes(record, nowMs);
    return new VerifiedRecord(RecordId.of(signed), signed, record, content);
  }

  static byte[] signedMessage(byte[] body) {
    byte[] message = new byte[DOMAIN.length + body.length];
    System.arraycopy(DOMAIN, 0, message, 0, DOMAIN.length);
    System.arraycopy(body, 0, message, DOMAIN.length, body.length);
    return message;
  }

  /** Every check that does not depend on the clock; returns the parsed content. */
  static MessageLite checkFields(Record record) throws RecordException {
    if (record.getAuthor().size() != AUTHOR_BYTES) {
      throw malformed("author of " + record.getAuthor().size() + " bytes, expected 32");
    }
    if (record.getSeq() == 0) {
      throw malformed("seq 0; sequence numbers start at 1");
    }
    RecordKind kind = RecordKind.forNumber(record.getKindValue());
    if (kind == null || kind == RecordKind.RECORD_KIND_UNSPECIFIED) {
      throw new RecordException(RecordException.Reason.UNKNOWN_KIND, "unknown kind " + record.getKindValue());
    }
    if (record.getReach() < 1 || record.getReach() > Limits.MAX_HOPS) {
      throw new RecordException(
          RecordException.Reason.BAD_REACH, "reach " + Integer.toUnsignedString(record.getReach()));
    }
    int audience = utf8Length(record.getAudience());
    if (audience == 0 || audience > Limits.MAX_AUDIENCE_BYTES) {
      throw malformed("audience of " + audience + " bytes, expected 1.." + Limits.MAX_AUDIENCE_BYTES);
    }
    if (record.getContent().size() > Limits.MAX_CONTENT_BYTES) {
      throw new RecordException(
          RecordException.Reason.TOO_LARGE,
          "content of " + record.getContent().size() + " bytes exceeds " + Limits.MAX_CONTENT_BYTES);
    }
    long created = record.getCreatedAtMs();
    long expires = record.getExpiresAtMs();
    if (created == 0 || Long.compareUnsigned(expires, created) <= 0) {
      throw new RecordException(RecordException.Reason.BAD_LIFETIME, "expires_at_ms not after created_at_ms");
    }
    if (Long.compareUnsigned(expires - created, Limits.MAX_RECORD_LIFETIME_MS) > 0) {
      throw new RecordException(
          RecordException.Reason.BAD_LIFETIME, "lifetime exceeds " + Limits.MAX_RECORD_LIFETIME_MS + " ms");
    }
    ByteString content = record.getContent();
    switch (kind) {
      case NOTE:
        return checkNote(parse(NoteContent.parser(), content.newCodedInput(), "note content"));
      case OFFER:
        OfferContent offer = parse(OfferContent.parser(), content.newCodedInput(), "offer content");
        checkText(offer.getText(), MAX_OFFER_TEXT_BYTES, "offer text");
        return offer;
      case NEED:
        NeedContent need = parse(NeedContent.parser(), content.newCodedInput(), "need content");
        checkText(need.getText(), MAX_OFFER_TEXT_BYTES, "need text");
        return need;
      case PROFILE:
        return checkProfile(parse(ProfileContent.parser(), content.newCodedInput(), "profile content"));
      case RETRACT:
        Retract retract = parse(Retract.parser(), content.newCodedInput(), "retract content");
        if (retract.getRecordId().size() != RecordId.BYTES) {
          throw malformed("retracted record id of " + retract.getRecordId().size() + " bytes");
        }
        return retract;
      default:
        throw new AssertionError("kind checked above: " + kind);
    }
  }

  static void checkTimes(Record record, long nowMs) throws RecordException {
    if (Long.compareUnsigned(record.getCreatedAtMs(), nowMs + Limits.MAX_CLOCK_SKEW_MS) > 0) {
      throw new RecordException(
          RecordException.Reason.NOT_YET_VALID, "created_at_ms is more than the allowed skew ahead of now");
    }
    if (Long.compareUnsigned(record.getExpiresAtMs(), nowMs) <= 0) {
      throw new RecordException(RecordException.Reason.EXPIRED, "record expired");
    }
  }

  private static NoteContent checkNote(NoteContent note) throws RecordException {
    checkText(note.getTitle(), MAX_TITLE_BYTES, "title");
    checkStrings(note.getTagsList(), MAX_TAGS, MAX_TAG_BYTES, "tags");
    return note;
  }

  private static ProfileContent checkProfile(ProfileContent profile) throws RecordException {
    if (profile.getTopicsCount() > MAX_TOPICS) {
      throw malformed(profile.getTopicsCount() + " topics, at most " + MAX_TOPICS);
    }
    for (ProfileContent.Topic topic : profile.getTopicsList()) {
      if (topic.getCentroidCount() != Limits.EMBEDDING_DIMENSIONS) {
        throw malformed("centroid of " + topic.getCentroidCount() + " floats");
      }
      for (int i = 0; i < topic.getCentroidCount(); i++) {
        if (!Float.isFinite(topic.getCentroid(i))) {
          throw malformed("centroid holds a non-finite value");
        }
      }
      if (!Double.isFinite(topic.getNoisyCount())) {
        throw malformed("noisy_count is not finite");
      }
      checkStrings(topic.getLabelsList(), MAX_LABELS, MAX_LABEL_BYTES, "labels");
    }
    return profile;
  }

  private static void checkStrings(List<String> values, int maxCount, int maxBytes, String what)
      throws RecordException {
    if (values.size() > maxCount) {
      throw malformed(values.size() + " " + what + ", at most " + maxCount);
    }
    for (String v : values) {
      checkText(v, maxBytes, what);
    }
  }

  private static void checkText(String text, int maxBytes, String what) throws RecordException {
    int n = utf8Length(text);
    if (n > maxBytes) {
      throw malformed(what + " of " + n + " bytes, at most " + maxBytes);
    }
  }

  /** UTF-8 length without encoding; the strings came from bytes the proto3 parser checked as UTF-8. */
  static int utf8Length(CharSequence s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  private static <T extends MessageLite> T parse(Parser<T> parser, CodedInputStream in, String what)
      throws RecordException {
    // Explicit limits rather than protobuf's defaults, so a library upgrade cannot widen what a peer may send.
    in.setRecursionLimit(Limits.MAX_PARSE_DEPTH);
    in.setSizeLimit(Limits.MAX_RECORD_BYTES);
    // Bytes fields become views of the received body instead of copies; the body is an immutable ByteString.
    in.enableAliasing(true);
    try {
      T message = parser.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
      in.checkLastTagWas(0);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw new RecordException(RecordException.Reason.MALFORMED, what + " does not parse", e);
    }
  }

  private static RecordException malformed(String message) {
    return new RecordException(RecordException.Reason.MALFORMED, message);
  }
}
