package org.kith.node.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.List;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameDecoder;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.proto.Frame;

/**
 * Varint32-delimited protobuf {@link Frame}s on the box-stream's plaintext. {@link FrameDecoder} checks the
 * length prefix against {@code MAX_FRAME_BYTES} before it allocates. The first {@link FrameException} is fired
 * once and every later byte is dropped: the stream is no longer in a known state. A write of a frame over the
 * maximum fails its promise with {@link FrameException}.
 */
final class FrameCodecHandler extends ChannelDuplexHandler {
  private final FrameDecoder decoder = new FrameDecoder();
  private boolean failed;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    List<Frame> frames;
    try {
      if (failed) {
        return;
      }
      frames = decoder.feed(ByteBufUtil.getBytes(in));
    } catch (FrameException e) {
      failed = true;
      ctx.fireExceptionCaught(e);
      return;
    } finally {
      in.release();
    }
    for (Frame f : frames) {
      ctx.fireChannelRead(f);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == BoxStreamCodec.GOODBYE && !failed) {
      try {
        decoder.finish();
      } catch (FrameException e) {
        failed = true;
        ctx.fireExceptionCaught(e);
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof Frame frame)) {
      ctx.write(msg, promise);
      return;
    }
    byte[] bytes;
    try {
      bytes = FrameCodec.encode(frame);
    } catch (FrameException e) {
      promise.setFailure(e);
      return;
    }
    ctx.write(Unpooled.wrappedBuffer(bytes), promise);
  }
}
