package org.kith.protocol.boxstream;

/** The incoming box-stream is not one our peer could have sent: the connection must be closed. */
public final class BoxStreamException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What failed. */
  public enum Reason {
    /** A header does not open: wrong key, changed bytes, reordered or replayed boxes. */
    HEADER_INVALID,
    /** A header opened but announces a body length of 0 or over {@link BoxStream#MAX_BODY_BYTES}. */
    LENGTH_INVALID,
    /** A body does not open against the MAC in its header. */
    BODY_INVALID,
    /** Bytes arrived after the goodbye. */
    DATA_AFTER_GOODBYE,
    /** The stream ended without a goodbye, possibly cut short by an attacker. */
    TRUNCATED
  }

  private final Reason reason;

  BoxStreamException(Reason reason, String detail) {
    super(reason + ": " + detail);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
