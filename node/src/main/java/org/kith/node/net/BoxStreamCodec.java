package org.kith.node.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import org.kith.protocol.boxstream.BoxStream;
import org.kith.protocol.boxstream.BoxStreamDecoder;
import org.kith.protocol.boxstream.BoxStreamEncoder;
import org.kith.protocol.boxstream.BoxStreamException;
import org.kith.protocol.handshake.Session;

/**
 * Box-stream between the socket and the frame codec: ByteBuf of ciphertext in, ByteBuf of plaintext out, and
 * the reverse for writes. Inert until {@link #start} gives it the session keys; a write before that fails
 * rather than send plaintext. Closing the channel sends the goodbye first. A goodbye from the peer fires
 * {@link #GOODBYE} and closes our side; a stream that ends without one, or that does not open, fires its
 * {@link BoxStreamException} and drops everything after it.
 */
final class BoxStreamCodec extends ChannelDuplexHandler {
  /** The peer ended its stream cleanly. */
  static final Object GOODBYE = new Object() {
    @Override
    public String toString() {
      return "GOODBYE";
    }
  };

  /** Plaintext written but not yet flushed; boxed in one go at the flush, or once it reaches this size. */
  private static final int MAX_PENDING_BYTES = 16 * BoxStream.MAX_BODY_BYTES;

  private final ByteArrayOutputStream pendingPlain = new ByteArrayOutputStream();
  private final List<ChannelPromise> pendingPromises = new ArrayList<>();
  private BoxStreamEncoder encoder;
  private BoxStreamDecoder decoder;
  private boolean failed;
  private boolean closing;
  private boolean freed;

  void start(Session session) {
    start(new BoxStreamEncoder(session), new BoxStreamDecoder(session));
  }

  /** With explicit coders, for tests. */
  void start(BoxStreamEncoder encoder, BoxStreamDecoder decoder) {
    if (this.encoder != null) {
      throw new IllegalStateException("already started");
    }
    this.encoder = encoder;
    this.decoder = decoder;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    List<byte[]> bodies = new ArrayList<>(2);
    boolean finished = false;
    try {
      if (decoder == null || failed || freed) {
        return;
      }
      byte[] bytes = ByteBufUtil.getBytes(in);
      decoder.decode(bytes, 0, bytes.length, bodies);
      finished = decoder.isFinished();
    } catch (BoxStreamException e) {
      failed = true;
      ctx.fireExceptionCaught(e);
      return;
    } finally {
      in.release();
    }
    for (byte[] body : bodies) {
      ctx.fireChannelRead(Unpooled.wrappedBuffer(body));
    }
    if (finished) {
      ctx.fireUserEventTriggered(GOODBYE);
      // From the tail, so that our own close() answers with our goodbye.
      ctx.channel().close();
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.write(msg, promise);
      return;
    }
    try {
      if (encoder == null) {
        promise.setFailure(new IllegalStateException("box-stream not started: refusing to send plaintext"));
        return;
      }
      if (closing || freed) {
        promise.setFailure(new ClosedChannelException());
        return;
      }
      // Writes wait for the flush and go out boxed together: a burst of small frames (responses to a burst of
      // requests) costs one box per 4 KiB rather than one per frame.
      in.getBytes(in.readerIndex(), pendingPlain, in.readableBytes());
      pendingPromises.add(promise);
    } catch (IOException e) {
      throw new UncheckedIOException("ByteArrayOutputStream does not throw", e);
    } finally {
      ReferenceCountUtil.release(in);
    }
    if (pendingPlain.size() >= MAX_PENDING_BYTES) {
      writePending(ctx);
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    writePending(ctx);
    ctx.flush();
  }

  private void writePending(ChannelHandlerContext ctx) {
    if (pendingPromises.isEmpty()) {
      return;
    }
    byte[] plain = pendingPlain.toByteArray();
    pendingPlain.reset();
    List<ChannelPromise> promises = new ArrayList<>(pendingPromises);
    pendingPromises.clear();
    if (plain.length == 0) {
      promises.forEach(ChannelPromise::setSuccess);
      return;
    }
    ctx.write(Unpooled.wrappedBuffer(encoder.encode(plain))).addListener(f -> {
      for (ChannelPromise p : promises) {
        if (f.isSuccess()) {
          p.trySuccess();
        } else {
          p.tryFailure(f.cause());
        }
      }
    });
  }

  private void failPending(Throwable cause) {
    pendingPlain.reset();
    for (ChannelPromise p : pendingPromises) {
      p.tryFailure(cause);
    }
    pendingPromises.clear();
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (encoder != null && !closing && !freed && ctx.channel().isActive()) {
      writePending(ctx);
      closing = true;
      ctx.writeAndFlush(Unpooled.wrappedBuffer(encoder.goodbye()));
    }
    closing = true;
    failPending(new ClosedChannelException());
    ctx.close(promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (decoder != null && !failed && !closing && !freed) {
      try {
        decoder.end();
      } catch (BoxStreamException e) {
        failed = true;
        ctx.fireExceptionCaught(e);
      }
    }
    free();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    free();
  }

  private void free() {
    if (!freed) {
      freed = true;
      failPending(new ClosedChannelException());
      if (encoder != null) {
        encoder.close();
        decoder.close();
      }
    }
  }
}
