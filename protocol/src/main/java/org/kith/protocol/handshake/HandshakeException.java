package org.kith.protocol.handshake;

/**
 * The handshake was aborted. Every cause is the peer's doing (or an attacker's), so it is checked; the caller
 * closes the connection and, at most, logs {@link #reason()} and {@link #message()}, never key bytes.
 */
public final class HandshakeException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What failed. The names say what the receiving side can tell, not what the peer intended. */
  public enum Reason {
    /** A message of the wrong length, or keys that give no shared secret (a low-order point). */
    MALFORMED_MESSAGE,
    /** A hello's MAC does not verify: the peer uses another network key (or the bytes were changed). */
    NETWORK_KEY_MISMATCH,
    /**
     * The client authentication (message 3) does not open at the server, or the server accept (message 4)
     * does not open at the client: the client dialled a key the server does not hold (or bytes were changed).
     */
    SERVER_KEY_MISMATCH,
    /** A box opened but the Ed25519 signature inside it does not verify. */
    BAD_SIGNATURE,
    /** The server's policy refused the client's long-term key (for example a blocked key). */
    CLIENT_REFUSED,
    /** The peer closed the connection before the handshake completed. */
    PEER_CLOSED
  }

  private final Reason reason;
  private final int message;

  HandshakeException(Reason reason, int message, String detail) {
    super(reason + " at message " + message + ": " + detail);
    this.reason = reason;
    this.message = message;
  }

  public Reason reason() {
    return reason;
  }

  /** The handshake message (1 to 4) being received, or awaited when the peer closed, when it failed. */
  public int message() {
    return message;
  }
}
