package org.kith.protocol.frame;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameHeader;
import org.kith.protocol.proto.FrameType;

/**
 * Frames on a box-stream: each is a varint32 length followed by that many bytes of serialized {@link Frame}
 * (spec/PROTOCOL.md section 5). Encoding is a static function; decoding a stream is done by a
 * {@link FrameDecoder}, one per connection direction.
 */
public final class FrameCodec {
  private FrameCodec() {}

  /** A frame of the current version around {@code payload}. */
  public static Frame frame(FrameType type, long requestId, MessageLite payload) {
    if (type == FrameType.FRAME_TYPE_UNSPECIFIED || type == FrameType.UNRECOGNIZED) {
      throw new IllegalArgumentException("not a frame type: " + type);
    }
    return Frame.newBuilder()
        .setHeader(
            FrameHeader.newBuilder()
                .setVersion(Limits.PROTOCOL_VERSION)
                .setType(type)
                .setRequestId(requestId))
        .setPayload(payload.toByteString())
        .build();
  }

  /**
   * The length-prefixed bytes of {@code frame}, ready for a box-stream.
   *
   * @throws FrameException {@link FrameException.Code#TOO_LARGE} if the frame exceeds
   *     {@link Limits#MAX_FRAME_BYTES}: the caller must send less (fewer records, a shorter text)
   */
  public static byte[] encode(Frame frame) throws FrameException {
    int size = frame.getSerializedSize();
    if (size > Limits.MAX_FRAME_BYTES) {
      throw new FrameException(
          FrameException.Code.TOO_LARGE,
          "frame of " + size + " bytes exceeds MAX_FRAME_BYTES " + Limits.MAX_FRAME_BYTES);
    }
    byte[] out = new byte[CodedOutputStream.computeUInt32SizeNoTag(size) + size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      cos.writeUInt32NoTag(size);
      frame.writeTo(cos);
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      // Only thrown when the array is too small, which the size computation above rules out.
      throw new UncheckedIOException("frame buffer sized wrongly", e);
    }
    return out;
  }

  /**
   * Parses and checks one frame body (without its length prefix): header present, version
   * {@link Limits#PROTOCOL_VERSION}, a known type.
   */
  public static Frame decodeBody(byte[] body, int offset, int length) throws FrameException {
    if (length > Limits.MAX_FRAME_BYTES) {
      throw new FrameException(
          FrameException.Code.TOO_LARGE,
          "frame of " + length + " bytes exceeds MAX_FRAME_BYTES " + Limits.MAX_FRAME_BYTES);
    }
    Frame frame = parse(Frame.parser(), body, offset, length, "frame");
    if (!frame.hasHeader()) {
      throw new FrameException(FrameException.Code.MALFORMED, "frame without header");
    }
    FrameHeader header = frame.getHeader();
    if (header.getVersion() != Limits.PROTOCOL_VERSION) {
      throw new FrameException(
          FrameException.Code.BAD_VERSION,
          "frame version " + Integer.toUnsignedString(header.getVersion()) + ", expected "
              + Limits.PROTOCOL_VERSION);
    }
    FrameType type = FrameType.forNumber(header.getTypeValue());
    if (type == null || type == FrameType.FRAME_TYPE_UNSPECIFIED) {
      throw new FrameException(
          FrameException.Code.UNKNOWN_TYPE, "unknown frame type " + header.getTypeValue());
    }
    return frame;
  }

  /**
   * Parses a frame's payload as the message its type names, with the same limits as the frame itself.
   * Checking that {@code parser} fits the frame type is the caller's dispatch.
   */
  public static <T extends MessageLite> T payload(Frame frame, Parser<T> parser) throws FrameException {
    byte[] bytes = frame.getPayload().toByteArray();
    return parse(parser, bytes, 0, bytes.length, frame.getHeader().getType() + " payload");
  }

  private static <T extends MessageLite> T parse(
      Parser<T> parser, byte[] bytes, int offset, int length, String what) throws FrameException {
    CodedInputStream in = CodedInputStream.newInstance(bytes, offset, length);
    // Both limits are explicit rather than protobuf's defaults (100 levels, 2 GiB), so a change of library
    // version cannot widen what a peer may send.
    in.setRecursionLimit(Limits.MAX_PARSE_DEPTH);
    in.setSizeLimit(Limits.MAX_FRAME_BYTES);
    try {
      T message = parser.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
      in.checkLastTagWas(0);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw new FrameException(FrameException.Code.MALFORMED, what + " does not parse", e);
    }
  }
}
