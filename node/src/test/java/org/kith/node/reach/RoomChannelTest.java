package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;

/** The room connection's handler on {@link EmbeddedChannel}s: handshake, control boxes, hand-over, failures. */
class RoomChannelTest {
  /** Records what a side heard. */
  static final class Heard implements RoomChannel.Listener {
    PublicId ready;
    final List<RoomMessage> messages = new ArrayList<>();
    Throwable failure;
    boolean closed;
    /** Hand over after this message type, adding a byte sink first. */
    RoomMessage.Type handOverAfter;
    final ByteArrayOutputStream raw = new ByteArrayOutputStream();

    @Override
    public void ready(RoomChannel ch, PublicId remote) {
      ready = remote;
    }

    @Override
    public void message(RoomChannel ch, RoomMessage m) {
      messages.add(m);
      if (m.type() == handOverAfter) {
        ch.channel().pipeline().addLast(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            raw.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
          }
        });
        ch.handOver();
      }
    }

    @Override
    public void closed(RoomChannel ch, Throwable cause) {
      closed = true;
      failure = cause;
    }
  }

  private final KeyPair member = KeyPair.generate();
  private final KeyPair room = KeyPair.generate();

  private EmbeddedChannel client(Heard h) {
    return new EmbeddedChannel(new RoomChannel(SecretHandshake.client(NetworkKey.KITH_V1, member, room.publicKey()), h,
        60_000, false));
  }

  private EmbeddedChannel server(Heard h) {
    return new EmbeddedChannel(new RoomChannel(SecretHandshake.server(NetworkKey.KITH_V1, room, k -> true), h, 60_000,
        true));
  }

  /** Moves what {@code from} wrote into {@code to}, in slices of at most {@code slice} bytes. */
  private static void pump(EmbeddedChannel from, EmbeddedChannel to, int slice) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (ByteBuf b; (b = from.readOutbound()) != null; ) {
      all.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    byte[] bytes = all.toByteArray();
    for (int i = 0; i < bytes.length; i += slice) {
      to.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + slice))));
    }
  }

  private RoomChannel handler(EmbeddedChannel ch) {
    return ch.pipeline().get(RoomChannel.class);
  }

  @Test
  void handshake_messages_andHandOver_inAnySlicing() {
    for (int slice : new int[] {1, 7, 162, 1 << 16}) {
      Heard m = new Heard();
      Heard r = new Heard();
      m.handOverAfter = RoomMessage.Type.SPLICED;
      EmbeddedChannel c = client(m);
      EmbeddedChannel s = server(r);
      for (int i = 0; i < 3; i++) {
        pump(c, s, slice);
        pump(s, c, slice);
      }
      assertEquals(PublicId.ofKey(member.publicKey()), r.ready);
      assertEquals(PublicId.ofKey(room.publicKey()), m.ready);
      handler(c).send(RoomMessage.connect(PublicId.ofKey(room.publicKey())));
      pump(c, s, slice);
      assertEquals(RoomMessage.Type.CONNECT, r.messages.get(0).type());
      // The room's SPLICED and the other member's first bytes arrive in one read: the bytes go on raw.
      handler(s).send(RoomMessage.spliced(PublicId.ofKey(member.publicKey())));
      s.writeOutbound(Unpooled.copiedBuffer("after the splice", StandardCharsets.UTF_8));
      pump(s, c, slice);
      assertEquals(RoomMessage.Type.SPLICED, m.messages.get(0).type());
      assertEquals("after the splice", m.raw.toString(StandardCharsets.UTF_8), "slice " + slice);
      c.writeInbound(Unpooled.copiedBuffer(" and more", StandardCharsets.UTF_8));
      assertEquals("after the splice and more", m.raw.toString(StandardCharsets.UTF_8));
      assertFalse(m.closed);
      assertTrue(c.pipeline().get(RoomChannel.class) == null);
      c.finishAndReleaseAll();
      s.finishAndReleaseAll();
    }
  }

  @Test
  void aChangedByteInAControlBox_closesTheConnection_andNothingIsHeard() {
    Heard m = new Heard();
    Heard r = new Heard();
    EmbeddedChannel c = client(m);
    EmbeddedChannel s = server(r);
    pump(c, s, 1 << 16);
    pump(s, c, 1 << 16);
    pump(c, s, 1 << 16);
    pump(s, c, 1 << 16);
    assertNotNull(r.ready);
    assertNotNull(m.ready);
    handler(c).send(RoomMessage.of(RoomMessage.Type.HERE));
    ByteBuf box = c.readOutbound();
    byte[] bytes = ByteBufUtil.getBytes(box);
    box.release();
    assertEquals(RoomChannel.BOX_BYTES, bytes.length);
    bytes[new Random(11).nextInt(bytes.length)] ^= 1;
    s.writeInbound(Unpooled.wrappedBuffer(bytes));
    assertTrue(r.messages.isEmpty());
    assertTrue(r.closed);
    assertNotNull(r.failure);
    assertFalse(s.isActive());
    c.finishAndReleaseAll();
    s.finishAndReleaseAll();
  }

  @Test
  void theWrongRoomKey_failsTheHandshake() {
    Heard m = new Heard();
    Heard r = new Heard();
    KeyPair other = KeyPair.generate();
    EmbeddedChannel c = new EmbeddedChannel(new RoomChannel(
        SecretHandshake.client(NetworkKey.KITH_V1, member, other.publicKey()), m, 60_000, false));
    EmbeddedChannel s = server(r);
    for (int i = 0; i < 3; i++) {
      pump(c, s, 1 << 16);
      pump(s, c, 1 << 16);
    }
    assertEquals(null, r.ready);
    assertTrue(r.closed || m.closed);
    assertInstanceOf(Throwable.class, r.closed ? r.failure : m.failure);
    c.finishAndReleaseAll();
    s.finishAndReleaseAll();
    other.close();
  }
}
