package org.kith.node.net;

import java.util.Optional;
import org.kith.protocol.handshake.HandshakeException;

/** {@link Transport#connect} did not give a connection. */
public final class ConnectFailedException extends TransportException {
  private static final long serialVersionUID = 1L;

  /** Why. */
  public enum Reason {
    /** TCP did not connect (refused, unreachable, no route). */
    UNREACHABLE,
    /** TCP connect plus handshake took longer than {@link TransportConfig#handshakeTimeout()}. */
    TIMEOUT,
    /**
     * The server hung up after our authentication: it does not hold the key we dialled, or it refused our key
     * (blocked). Secret Handshake deliberately does not let a client tell these apart.
     */
    REFUSED,
    /** Any other handshake failure; {@link #handshakeReason()} says which. */
    HANDSHAKE_FAILED,
    /** This node already has {@link TransportConfig#maxOutbound()} dialled connections open. */
    TOO_MANY_CONNECTIONS,
    /** The connection closed after the handshake before it could be used, or the transport is closed. */
    CLOSED
  }

  private final Reason reason;

  ConnectFailedException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  ConnectFailedException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** The handshake's own reason when the handshake failed. */
  public Optional<HandshakeException.Reason> handshakeReason() {
    return getCause() instanceof HandshakeException h ? Optional.of(h.reason()) : Optional.empty();
  }
}
