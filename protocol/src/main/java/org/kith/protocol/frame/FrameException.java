package org.kith.protocol.frame;

import java.util.Objects;

/**
 * A frame from a peer could not be accepted. The connection that produced it is no longer in a known state
 * and SHOULD be closed after an {@code Error} frame with {@link Code#wireCode()} has been sent.
 */
public final class FrameException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a frame was refused; spec/PROTOCOL.md section 8 maps each to a wire {@code ErrorCode}. */
  public enum Code {
    /** The length prefix announced more than {@code Limits.MAX_FRAME_BYTES}; nothing was allocated. */
    TOO_LARGE(org.kith.protocol.proto.ErrorCode.TOO_LARGE),
    /** Bytes that are not a well-formed frame or payload, or a stream that ended inside a frame. */
    MALFORMED(org.kith.protocol.proto.ErrorCode.MALFORMED),
    /** A header version other than {@code Limits.PROTOCOL_VERSION}. */
    BAD_VERSION(org.kith.protocol.proto.ErrorCode.UNSUPPORTED),
    /** A frame type this version does not know, or {@code FRAME_TYPE_UNSPECIFIED}. */
    UNKNOWN_TYPE(org.kith.protocol.proto.ErrorCode.UNSUPPORTED);

    private final org.kith.protocol.proto.ErrorCode wireCode;

    Code(org.kith.protocol.proto.ErrorCode wireCode) {
      this.wireCode = wireCode;
    }

    /** The code to put in the {@code Error} frame sent before closing. */
    public org.kith.protocol.proto.ErrorCode wireCode() {
      return wireCode;
    }
  }

  private final Code code;

  public FrameException(Code code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  public FrameException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  public Code code() {
    return code;
  }

  @Override
  public String getMessage() {
    return code + ": " + super.getMessage();
  }
}
