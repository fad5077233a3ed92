package org.kith.node.net;

/** The connection closed (or was never open) before the request got its response. */
public final class ConnectionClosedException extends TransportException {
  private static final long serialVersionUID = 1L;

  ConnectionClosedException(String message) {
    super(message);
  }
}
