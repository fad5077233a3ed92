package org.kith.node.net;

/**
 * A connection or request failed because of the peer or the network. Futures from {@link Transport} and
 * {@link PeerConnection} fail with one of its subclasses.
 */
public abstract class TransportException extends Exception {
  private static final long serialVersionUID = 1L;

  TransportException(String message) {
    super(message);
  }

  TransportException(String message, Throwable cause) {
    super(message, cause);
  }
}
