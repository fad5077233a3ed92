package org.kith.node.reach;

/** The other end of a room connection broke the room protocol (spec/PROTOCOL.md 12.2). */
final class RoomProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  RoomProtocolException(String message) {
    super(message);
  }
}
