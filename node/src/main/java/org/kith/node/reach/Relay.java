package org.kith.node.reach;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * One direction of a spliced tunnel in the room: copies what a member sends to the other member unchanged (the
 * two members' own Secret Handshake and box-stream, so ciphertext only). Stops reading while the other side
 * cannot take more, and while the sender is past its byte rate; never drops or caps a tunnel.
 */
final class Relay extends ChannelInboundHandlerAdapter {
  /** Counts a member's bytes against its rate; shared by all its tunnels. Event loop only. */
  static final class Meter {
    private final long ratePerSecond;
    private final long burst;
    private final java.time.Clock clock;
    private double tokens;
    private long lastMillis;

    Meter(long ratePerSecond, long burst, java.time.Clock clock) {
      this.ratePerSecond = ratePerSecond;
      this.burst = burst;
      this.clock = clock;
      this.tokens = burst;
      this.lastMillis = clock.millis();
    }

    /** Takes {@code bytes}; returns how long the sender should pause reading, 0 for not at all. */
    long take(long bytes) {
      long now = clock.millis();
      tokens = Math.min(burst, tokens + (now - lastMillis) * ratePerSecond / 1000.0);
      lastMillis = now;
      tokens -= bytes;
      return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * 1000.0 / ratePerSecond);
    }
  }

  /** Sees every relayed chunk, read-only; tests assert on it that a room carries no plaintext. */
  interface Tap {
    void relayed(ByteBuf bytes);
  }

  private final Channel other;
  private final Meter meter;
  private final Tap tap;
  private boolean paused;

  Relay(Channel other, Meter meter, Tap tap) {
    this.other = other;
    this.meter = meter;
    this.tap = tap;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (tap != null) {
      tap.relayed(buf.asReadOnly());
    }
    long pause = meter.take(buf.readableBytes());
    other.writeAndFlush(buf).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    if (pause > 0) {
      paused = true;
      ctx.channel().config().setAutoRead(false);
      ctx.executor().schedule(() -> {
        paused = false;
        ctx.channel().config().setAutoRead(other.isWritable());
      }, pause, TimeUnit.MILLISECONDS);
    } else if (!other.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // This side drained: the other side may send again (its own relay decides about its rate).
    if (ctx.channel().isWritable()) {
      Relay r = other.pipeline().get(Relay.class);
      if (r != null && !r.paused) {
        other.config().setAutoRead(true);
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    other.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
