package org.kith.protocol.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameHeader;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;

class FrameCodecTest {

  /** A PING frame whose serialized size (without the prefix) is exactly {@code size}. */
  static Frame frameOfSize(int size) {
    FrameHeader header = FrameHeader.newBuilder()
        .setVersion(Limits.PROTOCOL_VERSION).setType(FrameType.PING).setRequestId(1).build();
    int payload = size;
    while (true) {
      Frame f = Frame.newBuilder().setHeader(header).setPayload(ByteString.copyFrom(new byte[payload])).build();
      int diff = f.getSerializedSize() - size;
      if (diff == 0) {
        return f;
      }
      payload -= diff;
    }
  }

  @Test
  void encode_sizesAroundMax() throws Exception {
    for (int size : new int[] {Limits.MAX_FRAME_BYTES - 1, Limits.MAX_FRAME_BYTES}) {
      Frame f = frameOfSize(size);
      byte[] bytes = FrameCodec.encode(f);
      assertEquals(size + CodedOutputStream.computeUInt32SizeNoTag(size), bytes.length);
      List<Frame> decoded = new FrameDecoder().feed(bytes);
      assertEquals(List.of(f), decoded, "size " + size);
    }
    FrameException e = assertThrows(FrameException.class,
        () -> FrameCodec.encode(frameOfSize(Limits.MAX_FRAME_BYTES + 1)));
    assertEquals(FrameException.Code.TOO_LARGE, e.code());
  }

  @Test
  void decode_maxPlusOne_failsOnThePrefixAlone() throws Exception {
    byte[] prefix = FrameVectorsTest.varint(Limits.MAX_FRAME_BYTES + 1);
    FrameDecoder d = new FrameDecoder();
    // 262145 is a 3-byte varint; the first two bytes are a lower bound still within the limit.
    assertEquals(List.of(), d.feed(prefix, 0, prefix.length - 1));
    FrameException e = assertThrows(FrameException.class, () -> d.feed(prefix, prefix.length - 1, 1));
    assertEquals(FrameException.Code.TOO_LARGE, e.code());
    assertEquals(prefix.length, d.buffered(), "only the prefix was taken in; no body buffer was started");
  }

  @Test
  void decode_maxExactly_waitsForTheBody() throws Exception {
    byte[] bytes = FrameCodec.encode(frameOfSize(Limits.MAX_FRAME_BYTES));
    FrameDecoder d = new FrameDecoder();
    assertEquals(List.of(), d.feed(bytes, 0, bytes.length - 1));
    assertEquals(1, d.feed(bytes, bytes.length - 1, 1).size());
    d.finish();
  }

  @Test
  void decode_hugePrefix_refusedAtTheFirstByteThatPassesMax() {
    // 0xff 0xff 0x7f = 2^21 - 1 > MAX: refused at the third byte, before any further input.
    FrameDecoder d = new FrameDecoder();
    FrameException e = assertThrows(FrameException.class,
        () -> d.feed(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}));
    assertEquals(FrameException.Code.TOO_LARGE, e.code());
  }

  @Test
  void finish_insideAFrame_isMalformed() throws Exception {
    byte[] bytes = FrameCodec.encode(FrameCodec.frame(FrameType.HELLO, 0,
        Hello.newBuilder().setProtocolVersion(1).build()));
    for (int cut = 1; cut < bytes.length; cut++) {
      FrameDecoder d = new FrameDecoder();
      assertEquals(List.of(), d.feed(Arrays.copyOf(bytes, cut)));
      FrameException e = assertThrows(FrameException.class, d::finish, "cut at " + cut);
      assertEquals(FrameException.Code.MALFORMED, e.code());
    }
  }

  @Test
  void payload_garbage_isMalformed() {
    Frame f = Frame.newBuilder().setHeader(FrameHeader.newBuilder().setVersion(1).setType(FrameType.HELLO))
        .setPayload(ByteString.copyFrom(new byte[] {0x0a, 0x05, 0x01})).build();
    FrameException e = assertThrows(FrameException.class, () -> FrameCodec.payload(f, Hello.parser()));
    assertEquals(FrameException.Code.MALFORMED, e.code());
  }

  @Test
  void decode_deepNesting_isMalformedNotStackOverflow() throws Exception {
    // Unknown group fields nested 10,000 deep inside the frame: the recursion limit must stop it.
    int depth = 10_000;
    byte[] body = new byte[depth * 2];
    for (int i = 0; i < depth; i++) {
      body[i] = (byte) 0x1b; // field 3, start group
      body[body.length - 1 - i] = (byte) 0x1c; // field 3, end group
    }
    byte[] bytes = FrameVectorsTest.prefixed(body);
    FrameException e = assertThrows(FrameException.class, () -> new FrameDecoder().feed(bytes));
    assertEquals(FrameException.Code.MALFORMED, e.code());
  }

  @Test
  void frame_refusesUnspecifiedType() {
    assertThrows(IllegalArgumentException.class,
        () -> FrameCodec.frame(FrameType.FRAME_TYPE_UNSPECIFIED, 1, Hello.getDefaultInstance()));
  }

  @Test
  void exception_carriesWireCode() {
    assertEquals(org.kith.protocol.proto.ErrorCode.TOO_LARGE, FrameException.Code.TOO_LARGE.wireCode());
    assertTrue(new FrameException(FrameException.Code.MALFORMED, "x").getMessage().startsWith("MALFORMED"));
  }
}
