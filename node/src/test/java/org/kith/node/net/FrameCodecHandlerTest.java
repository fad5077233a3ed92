package org.kith.node.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kith.protocol.Limits;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Query;

class FrameCodecHandlerTest {
  /** A QUERY frame whose serialized size is exactly {@code size}. */
  static Frame frameOfSize(int size) {
    for (int n = Math.max(0, size - 40); n <= size; n++) {
      Frame f = FrameCodec.frame(FrameType.QUERY, 1, Query.newBuilder().setText("x".repeat(n)).build());
      if (f.getSerializedSize() == size) {
        return f;
      }
    }
    // Not every size is reachable with one field; pad through query_id as well.
    for (int n = Math.max(0, size - 40); n <= size; n++) {
      Frame f = FrameCodec.frame(FrameType.QUERY, 1,
          Query.newBuilder().setText("x".repeat(n)).setQueryId(ByteString.copyFrom(new byte[1])).build());
      if (f.getSerializedSize() == size) {
        return f;
      }
    }
    throw new AssertionError("no frame of size " + size);
  }

  private static byte[] encodeAll(List<Frame> frames) throws FrameException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Frame f : frames) {
      out.writeBytes(FrameCodec.encode(f));
    }
    return out.toByteArray();
  }

  @Test
  void decode_wholeBytewiseAndSliced() throws Exception {
    List<Frame> frames = List.of(
        FrameCodec.frame(FrameType.PING, 1, Empty.getDefaultInstance()),
        FrameCodec.frame(FrameType.QUERY, 2, Query.newBuilder().setText("hello").setHops(1).setK(5).build()),
        frameOfSize(Limits.MAX_FRAME_BYTES - 1),
        frameOfSize(Limits.MAX_FRAME_BYTES),
        FrameCodec.frame(FrameType.PONG, 1, Empty.getDefaultInstance()));
    byte[] wire = encodeAll(frames);
    for (List<byte[]> slices : Slices.of(wire, 3)) {
      Capture capture = new Capture();
      EmbeddedChannel ch = new EmbeddedChannel(new FrameCodecHandler(), capture);
      List<ByteBuf> fed = new ArrayList<>();
      for (byte[] s : slices) {
        ByteBuf b = Unpooled.wrappedBuffer(s);
        fed.add(b);
        ch.writeInbound(b);
      }
      List<Frame> got = new ArrayList<>();
      for (Frame f; (f = ch.readInbound()) != null; ) {
        got.add(f);
      }
      assertEquals(frames, got);
      assertTrue(capture.errors.isEmpty(), capture.errors.toString());
      assertTrue(fed.stream().allMatch(b -> b.refCnt() == 0), "every buffer released");
      assertFalse(ch.finish());
    }
  }

  @Test
  void encode_roundTripsAndRefusesOversized() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameCodecHandler());
    Frame max = frameOfSize(Limits.MAX_FRAME_BYTES);
    assertTrue(ch.writeOutbound(max));
    ByteBuf out = ch.readOutbound();
    assertArrayEquals(FrameCodec.encode(max), ByteBufUtil.getBytes(out));
    out.release();

    ChannelFuture f = ch.writeOneOutbound(frameOfSize(Limits.MAX_FRAME_BYTES + 1));
    ch.flushOutbound();
    assertFalse(f.isSuccess());
    FrameException e = assertInstanceOf(FrameException.class, f.cause());
    assertEquals(FrameException.Code.TOO_LARGE, e.code());
    assertFalse(ch.finish());
  }

  @Test
  void decode_lengthTooLong_failsBeforeTheBodyAndDropsTheRest() {
    // varint of MAX_FRAME_BYTES + 1 = 262145: 0x81 0x80 0x10
    int n = Limits.MAX_FRAME_BYTES + 1;
    byte[] prefix = {(byte) (0x80 | (n & 0x7f)), (byte) (0x80 | ((n >>> 7) & 0x7f)), (byte) (n >>> 14)};
    for (List<byte[]> slices : Slices.of(prefix, 5)) {
      Capture capture = new Capture();
      EmbeddedChannel ch = new EmbeddedChannel(new FrameCodecHandler(), capture);
      for (byte[] s : slices) {
        ch.writeInbound(Unpooled.wrappedBuffer(s));
      }
      ByteBuf after = Unpooled.wrappedBuffer(new byte[1000]);
      ch.writeInbound(after);
      assertEquals(0, after.refCnt());
      assertEquals(1, capture.errors.size());
      FrameException e = assertInstanceOf(FrameException.class, capture.errors.get(0));
      assertEquals(FrameException.Code.TOO_LARGE, e.code());
      assertFalse(ch.finish());
    }
  }

  @Test
  void decode_garbage_isMalformed() {
    Capture capture = new Capture();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameCodecHandler(), capture);
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {4, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
    assertEquals(1, capture.errors.size());
    assertEquals(FrameException.Code.MALFORMED, ((FrameException) capture.errors.get(0)).code());
    assertFalse(ch.finish());
  }

  @Test
  void goodbyeInsideAFrame_isMalformed() throws Exception {
    byte[] wire = FrameCodec.encode(FrameCodec.frame(FrameType.PING, 1, Empty.getDefaultInstance()));
    Capture capture = new Capture();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameCodecHandler(), capture);
    ch.writeInbound(Unpooled.wrappedBuffer(wire, 0, wire.length - 1));
    ch.pipeline().fireUserEventTriggered(BoxStreamCodec.GOODBYE);
    assertEquals(1, capture.errors.size());
    assertEquals(FrameException.Code.MALFORMED, ((FrameException) capture.errors.get(0)).code());
    assertEquals(List.of(BoxStreamCodec.GOODBYE), capture.events);
    assertFalse(ch.finish());
  }
}
