package org.kith.node.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kith.protocol.boxstream.BoxStreamDecoder;
import org.kith.protocol.boxstream.BoxStreamEncoder;
import org.kith.protocol.boxstream.BoxStreamException;

class BoxStreamCodecTest {
  private static final byte[] KEY_A = filled(32, 1);
  private static final byte[] NONCE_A = filled(24, 2);
  private static final byte[] KEY_B = filled(32, 3);
  private static final byte[] NONCE_B = filled(24, 4);

  private static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  /** A's side: sends with key A, reads with key B. */
  private static EmbeddedChannel sideA(Capture capture) {
    BoxStreamCodec codec = new BoxStreamCodec();
    codec.start(new BoxStreamEncoder(KEY_A, NONCE_A), new BoxStreamDecoder(KEY_B, NONCE_B));
    return new EmbeddedChannel(codec, capture);
  }

  private static EmbeddedChannel sideB(Capture capture) {
    BoxStreamCodec codec = new BoxStreamCodec();
    codec.start(new BoxStreamEncoder(KEY_B, NONCE_B), new BoxStreamDecoder(KEY_A, NONCE_A));
    return new EmbeddedChannel(codec, capture);
  }

  private static byte[] drainOutbound(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    return out.toByteArray();
  }

  private static byte[] drainInbound(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b; (b = ch.readInbound()) != null; ) {
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    return out.toByteArray();
  }

  @Test
  void roundTrip_wholeBytewiseAndSliced() {
    Random random = new Random(7);
    byte[][] messages = {new byte[1], new byte[4095], new byte[4096], new byte[4097], new byte[20_000]};
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      random.nextBytes(m);
      plain.writeBytes(m);
    }
    Capture ca = new Capture();
    EmbeddedChannel a = sideA(ca);
    for (byte[] m : messages) {
      assertTrue(a.writeOutbound(Unpooled.wrappedBuffer(m)));
    }
    a.close();
    byte[] wire = drainOutbound(a);
    assertFalse(a.finish());
    long expected = 34;
    for (byte[] m : messages) {
      expected += org.kith.protocol.boxstream.BoxStream.encodedLength(m.length);
    }
    assertEquals(expected, wire.length, "each write boxed on its own, plus the goodbye sent on close");

    for (List<byte[]> slices : Slices.of(wire, 11)) {
      Capture cb = new Capture();
      EmbeddedChannel b = sideB(cb);
      for (byte[] s : slices) {
        b.writeInbound(Unpooled.wrappedBuffer(s));
      }
      assertArrayEquals(plain.toByteArray(), drainInbound(b));
      assertEquals(List.of(BoxStreamCodec.GOODBYE), cb.events, "goodbye seen once");
      assertTrue(cb.errors.isEmpty(), cb.errors.toString());
      assertFalse(b.isActive(), "a goodbye closes our side too");
      byte[] reply = drainOutbound(b);
      assertEquals(34, reply.length, "our goodbye in answer");
      assertFalse(b.finish());
    }
  }

  @Test
  void truncatedStream_isAnError() {
    EmbeddedChannel a = sideA(new Capture());
    a.writeOutbound(Unpooled.wrappedBuffer(new byte[100]));
    byte[] wire = drainOutbound(a);
    a.finishAndReleaseAll();

    for (int cut : new int[] {0, 1, 33, 34, 35, wire.length - 1, wire.length}) {
      Capture cb = new Capture();
      EmbeddedChannel b = sideB(cb);
      b.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOf(wire, cut)));
      byte[] got = drainInbound(b);
      assertEquals(cut == wire.length ? 100 : 0, got.length);
      b.pipeline().fireChannelInactive(); // the peer hangs up without a goodbye
      assertEquals(1, cb.errors.size(), "cut at " + cut);
      BoxStreamException e = assertInstanceOf(BoxStreamException.class, cb.errors.get(0));
      assertEquals(BoxStreamException.Reason.TRUNCATED, e.reason());
      assertFalse(b.finish());
    }
  }

  @Test
  void flippedByte_failsOnceAndDropsTheRest() {
    EmbeddedChannel a = sideA(new Capture());
    a.writeOutbound(Unpooled.wrappedBuffer(new byte[50]));
    a.writeOutbound(Unpooled.wrappedBuffer(new byte[50]));
    byte[] wire = drainOutbound(a);
    a.finishAndReleaseAll();
    for (int i = 0; i < wire.length; i += 7) {
      byte[] bad = wire.clone();
      bad[i] ^= 1;
      Capture cb = new Capture();
      EmbeddedChannel b = sideB(cb);
      ByteBuf in = Unpooled.wrappedBuffer(bad);
      b.writeInbound(in);
      b.writeInbound(Unpooled.wrappedBuffer(new byte[10])); // more bytes after the failure are dropped
      assertEquals(0, in.refCnt(), "released");
      drainInbound(b);
      assertEquals(1, cb.errors.size(), "byte " + i);
      assertInstanceOf(BoxStreamException.class, cb.errors.get(0));
      b.pipeline().fireChannelInactive();
      assertFalse(b.finish());
      assertEquals(1, cb.errors.size(), "no truncation reported after a failure");
    }
  }

  @Test
  void writeBeforeStart_failsInsteadOfSendingPlaintext() {
    EmbeddedChannel ch = new EmbeddedChannel(new BoxStreamCodec());
    ByteBuf msg = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
    assertFalse(ch.writeOneOutbound(msg).isSuccess());
    ch.flushOutbound();
    assertEquals(0, msg.refCnt());
    assertNull(ch.readOutbound());
    assertFalse(ch.finish());
  }
}
