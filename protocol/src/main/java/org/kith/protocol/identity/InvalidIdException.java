package org.kith.protocol.identity;

/** A text id or key that cannot be a Kith identity; the message says what to do. */
public final class InvalidIdException extends Exception {
  public InvalidIdException(String message) {
    super(message);
  }
}
