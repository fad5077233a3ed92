package org.kith.node.net;

import com.google.protobuf.MessageLite;
import java.util.Objects;
import org.kith.protocol.proto.FrameType;

/**
 * What a {@link RequestHandler} answers: the response's frame type (PAIR_ACCEPT for PAIR_REQUEST, ANSWER for
 * QUERY, SYNC_BATCH for SYNC_REQUEST; see {@link FrameTypes#responseTo}) and its payload. To answer with an
 * error, fail the future with an {@link ErrorFrameException} instead.
 */
public record Response(FrameType type, MessageLite payload) {
  public Response {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    if (!FrameTypes.isResponse(type) || type == FrameType.ERROR) {
      throw new IllegalArgumentException("not a response type: " + type);
    }
  }
}
