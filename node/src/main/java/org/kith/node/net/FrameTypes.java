package org.kith.node.net;

import org.kith.protocol.proto.FrameType;

/** Which frame types are requests, which are responses, and which answers which (spec/PROTOCOL.md 5-6). */
final class FrameTypes {
  private FrameTypes() {}

  /** The success response to a request type, or null when {@code request} is not a request. */
  static FrameType responseTo(FrameType request) {
    switch (request) {
      case PAIR_REQUEST:
        return FrameType.PAIR_ACCEPT;
      case QUERY:
        return FrameType.ANSWER;
      case SYNC_REQUEST:
        return FrameType.SYNC_BATCH;
      case PING:
        return FrameType.PONG;
      case UPGRADE:
        return FrameType.UPGRADE_REPLY;
      default:
        return null;
    }
  }

  static boolean isRequest(FrameType type) {
    return responseTo(type) != null;
  }

  /** ERROR counts as a response when it carries a request id. */
  static boolean isResponse(FrameType type) {
    switch (type) {
      case PAIR_ACCEPT:
      case ANSWER:
      case SYNC_BATCH:
      case PONG:
      case UPGRADE_REPLY:
      case ERROR:
        return true;
      default:
        return false;
    }
  }
}
