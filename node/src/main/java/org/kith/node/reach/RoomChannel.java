package org.kith.node.reach;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kith.protocol.boxstream.BoxStream;
import org.kith.protocol.boxstream.BoxStreamDecoder;
import org.kith.protocol.boxstream.BoxStreamEncoder;
import org.kith.protocol.boxstream.BoxStreamException;
import org.kith.protocol.handshake.HandshakeException;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.handshake.Session;
import org.kith.protocol.identity.PublicId;

/**
 * One connection between a member and a room, either end: Secret Handshake, then control messages each in one
 * box-stream box of fixed size ({@link RoomMessage}). When a tunnel is spliced, {@link #handOver} ends the
 * room's part: the handler leaves the pipeline and every later byte (including any already read) goes to the
 * handlers behind it untouched, so the two members' own handshake and box-stream run end to end.
 */
final class RoomChannel extends ByteToMessageDecoder {
  /** Plaintext control box on the wire: header box plus body. */
  static final int BOX_BYTES = (int) BoxStream.encodedLength(RoomMessage.BYTES);

  /** What the owner of the connection hears; called on the channel's event loop. */
  interface Listener {
    /** The handshake proved {@code remote}'s key. */
    void ready(RoomChannel ch, PublicId remote);

    void message(RoomChannel ch, RoomMessage m);

    /** The connection closed, or failed ({@code cause} non-null) before {@link #handOver}. */
    void closed(RoomChannel ch, Throwable cause);
  }

  private final SecretHandshake shs;
  private final Listener listener;
  private final long handshakeTimeoutMillis;
  /** The deadline covers the first message too (the room's side: a member must say what it wants). */
  private final boolean untilFirstMessage;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> timeout;
  private BoxStreamEncoder encoder;
  private BoxStreamDecoder decoder;
  private PublicId remote;
  private boolean done;
  private boolean handedOver;
  private boolean reported;

  RoomChannel(SecretHandshake shs, Listener listener, long handshakeTimeoutMillis, boolean untilFirstMessage) {
    this.shs = shs;
    this.listener = listener;
    this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    this.untilFirstMessage = untilFirstMessage;
  }

  PublicId remote() {
    return remote;
  }

  io.netty.channel.Channel channel() {
    return ctx.channel();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (timeout == null && !done && !handedOver) {
      timeout = ctx.executor().schedule(() -> fail(new RoomProtocolException(
          (remote == null ? "handshake" : "first message") + " not complete after " + handshakeTimeoutMillis + " ms")),
          handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
      sendPending();
    }
    super.channelActive(ctx);
  }

  /** Sends one control message; fails the future when the handshake has not completed. */
  ChannelFuture send(RoomMessage m) {
    if (encoder == null || handedOver) {
      return ctx.newFailedFuture(new IllegalStateException("no room session to send on"));
    }
    byte[] box = encoder.encode(m.encode());
    return ctx.writeAndFlush(Unpooled.wrappedBuffer(box));
  }

  /**
   * Leaves the pipeline: bytes after the current message, and all later ones, go on raw. Call from
   * {@link Listener#message}, after the handlers that take over were added behind this one.
   */
  void handOver() {
    handedOver = true;
    reported = true;
    ctx.pipeline().remove(this);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (!done && !handedOver) {
      if (remote == null) {
        int need = shs.expectedBytes();
        if (in.readableBytes() < need) {
          return;
        }
        byte[] message = new byte[need];
        in.readBytes(message);
        try {
          shs.receive(message);
        } catch (HandshakeException | RuntimeException e) {
          fail(e);
          return;
        }
        sendPending();
        if (shs.isComplete()) {
          if (!untilFirstMessage) {
            cancelTimeout();
          }
          try (Session s = shs.session()) {
            encoder = new BoxStreamEncoder(s);
            decoder = new BoxStreamDecoder(s);
            remote = PublicId.ofKey(s.remotePublicKey());
          }
          listener.ready(this, remote);
        }
        continue;
      }
      if (in.readableBytes() < BOX_BYTES) {
        return;
      }
      byte[] box = new byte[BOX_BYTES];
      in.readBytes(box);
      List<byte[]> bodies = new ArrayList<>(1);
      RoomMessage m;
      try {
        decoder.decode(box, 0, box.length, bodies);
        if (bodies.size() != 1) {
          throw new RoomProtocolException("a room box did not hold one message");
        }
        m = RoomMessage.decode(bodies.get(0));
      } catch (BoxStreamException | RoomProtocolException | RuntimeException e) {
        fail(e);
        return;
      }
      cancelTimeout();
      listener.message(this, m);
    }
    if (done) {
      in.skipBytes(in.readableBytes());
    }
  }

  private void sendPending() {
    byte[] m = shs.nextMessage();
    if (m != null) {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(m));
    }
  }

  void close() {
    ctx.close();
  }

  private void fail(Throwable cause) {
    if (done) {
      return;
    }
    done = true;
    cancelTimeout();
    report(cause);
    ctx.close();
  }

  private void report(Throwable cause) {
    if (!reported) {
      reported = true;
      listener.closed(this, cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancelTimeout();
    done = true;
    report(null);
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(cause);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    cancelTimeout();
    if (encoder != null) {
      encoder.close();
      decoder.close();
    }
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }
}
