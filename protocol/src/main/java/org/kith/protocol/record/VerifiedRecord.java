package org.kith.protocol.record;

import com.google.protobuf.MessageLite;
import java.util.Objects;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.SignedRecord;

/**
 * A record that passed {@link RecordVerifier#verify}: signature, limits, kind, reach and times at the moment
 * it was checked. Only the verifier makes these. Expiry moves on: check {@link #isExpired} again before
 * showing a record that was verified a while ago.
 */
public final class VerifiedRecord {
  private final RecordId id;
  private final SignedRecord signed;
  private final Record record;
  private final MessageLite content;

  VerifiedRecord(RecordId id, SignedRecord signed, Record record, MessageLite content) {
    this.id = Objects.requireNonNull(id, "id");
    this.signed = Objects.requireNonNull(signed, "signed");
    this.record = Objects.requireNonNull(record, "record");
    this.content = Objects.requireNonNull(content, "content");
  }

  public RecordId id() {
    return id;
  }

  /** The bytes as received, to store and to forward unchanged. */
  public SignedRecord signed() {
    return signed;
  }

  /** The parsed body. */
  public Record record() {
    return record;
  }

  public RecordKind kind() {
    return record.getKind();
  }

  /**
   * The parsed content: a {@code NoteContent}, {@code OfferContent}, {@code NeedContent},
   * {@code ProfileContent} or {@code Retract}, as {@link #kind()} says.
   */
  public MessageLite content() {
    return content;
  }

  /** Typed access to {@link #content()}; throws {@link ClassCastException} if the kind differs. */
  public <T extends MessageLite> T content(Class<T> type) {
    return type.cast(content);
  }

  public boolean isExpired(long nowMs) {
    return Long.compareUnsigned(record.getExpiresAtMs(), nowMs) <= 0;
  }

  @Override
  public String toString() {
    // No content: logs never hold user data.
    return "VerifiedRecord[" + id.hex() + ", " + record.getKind() + ", seq " + record.getSeq() + "]";
  }
}
