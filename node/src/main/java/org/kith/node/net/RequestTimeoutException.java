package org.kith.node.net;

import org.kith.protocol.proto.FrameType;

/** No response came within the request's timeout. A late response is dropped. */
public final class RequestTimeoutException extends TransportException {
  private static final long serialVersionUID = 1L;

  RequestTimeoutException(FrameType type, long timeoutMillis) {
    super(type + " got no response within " + timeoutMillis + " ms");
  }
}
