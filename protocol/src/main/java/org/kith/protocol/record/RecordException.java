package org.kith.protocol.record;

import java.util.Objects;

/** A record failed verification; it MUST NOT be stored, shown or forwarded. */
public final class RecordException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a record was refused (spec/PROTOCOL.md section 7.4). */
  public enum Reason {
    /** The signature does not verify for the author key at the start of the body. */
    BAD_SIGNATURE,
    /** The body or its content exceeds a limit of section 9. */
    TOO_LARGE,
    /** Not a well-formed record: does not parse, wrong field sizes, missing fields, bad UTF-8. */
    MALFORMED,
    /** A kind this version does not know, or {@code RECORD_KIND_UNSPECIFIED}. */
    UNKNOWN_KIND,
    /** A reach other than 1 or 2. */
    BAD_REACH,
    /** {@code expires_at_ms} is not after {@code created_at_ms}, or the lifetime is longer than allowed. */
    BAD_LIFETIME,
    /** {@code created_at_ms} lies further in the future than the allowed clock skew. */
    NOT_YET_VALID,
    /** {@code expires_at_ms} is not after now. */
    EXPIRED
  }

  private final Reason reason;

  public RecordException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public RecordException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }

  @Override
  public String getMessage() {
    return reason + ": " + super.getMessage();
  }
}
