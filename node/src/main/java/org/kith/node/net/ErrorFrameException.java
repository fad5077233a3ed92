package org.kith.node.net;

import java.util.Objects;
import org.kith.protocol.proto.ErrorCode;

/**
 * An {@code ERROR} frame: a request's future fails with it when the peer answered one, and a
 * {@link RequestHandler} fails its future with it to send one. The message goes on the wire; it must not hold
 * user data (no note text, no query, no keys) and is cut to {@code Limits.MAX_ERROR_MESSAGE_BYTES}.
 */
public final class ErrorFrameException extends TransportException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final String wireMessage;

  public ErrorFrameException(ErrorCode code, String message) {
    super(code + ": " + message);
    if (Objects.requireNonNull(code, "code") == ErrorCode.ERROR_CODE_UNSPECIFIED
        || code == ErrorCode.UNRECOGNIZED) {
      throw new IllegalArgumentException("not an error code: " + code);
    }
    this.code = code;
    this.wireMessage = Objects.requireNonNull(message, "message");
  }

  public ErrorCode code() {
    return code;
  }

  /** The message as it travels, without the code. */
  public String wireMessage() {
    return wireMessage;
  }
}
