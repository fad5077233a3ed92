package org.kith.node.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kith.protocol.handshake.HandshakeException;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.handshake.Session;
import org.kith.protocol.identity.PublicId;

/**
 * Runs the Secret Handshake before any frame is read. First in the pipeline, so its messages go straight to
 * the socket. On success it hands the session keys to the {@link BoxStreamCodec}, fires {@link Completed}
 * and removes itself; bytes that arrived after the last handshake message go on to the box-stream. On
 * failure it fires the {@link HandshakeException} (or a {@link ConnectFailedException} for a timeout) and
 * closes the channel; nothing the peer sent reaches the handlers behind it.
 */
final class ShsHandler extends ByteToMessageDecoder {
  /** The handshake completed with {@code remote}, whose key it proved. */
  /**
   * {@code tag}: the smaller of the two starting nonces, the same at both ends of this connection and different
   * for every connection; public (an observer of the handshake can compute it), never a key.
   */
  record Completed(PublicId remote, byte[] tag) {}

  private final SecretHandshake shs;
  private final BoxStreamCodec boxStream;
  private final long timeoutMillis;
  private ScheduledFuture<?> timeout;
  private boolean done;
  /** Set at the peer's first handshake byte: before it, the peer cannot have completed its side either. */
  private volatile boolean heard;

  ShsHandler(SecretHandshake shs, BoxStreamCodec boxStream, long timeoutMillis) {
    this.shs = shs;
    this.boxStream = boxStream;
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    timeout = ctx.executor().schedule(() -> onTimeout(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
    sendPending(ctx);
    super.channelActive(ctx);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    heard |= in.isReadable();
    while (!done) {
      int need = shs.expectedBytes();
      if (in.readableBytes() < need) {
        return;
      }
      byte[] message = new byte[need];
      in.readBytes(message);
      try {
        shs.receive(message);
      } catch (HandshakeException e) {
        fail(ctx, in, e);
        return;
      } catch (RuntimeException e) {
        // The admission predicate threw: refuse rather than let a bug admit a key.
        fail(ctx, in, e);
        return;
      }
      sendPending(ctx);
      if (shs.isComplete()) {
        done = true;
        cancelTimeout();
        try (Session session = shs.session()) {
          boxStream.start(session);
          byte[] tag = java.util.Arrays.compareUnsigned(session.encryptNonce(), session.decryptNonce()) < 0
              ? session.encryptNonce() : session.decryptNonce();
          ctx.fireUserEventTriggered(new Completed(PublicId.ofKey(session.remotePublicKey()), tag.clone()));
        }
        // Removing a ByteToMessageDecoder passes what is left of its buffer to the next handler.
        ctx.pipeline().remove(this);
        return;
      }
    }
    in.skipBytes(in.readableBytes());
  }

  /**
   * False until a byte of the peer's first handshake message arrived. A client that closes before then leaves
   * the server with an unfinished handshake (the server's side needs message 3, sent only after message 2), so
   * a losing dial closed now can never become a connection at the other end (Transport's dial race).
   */
  boolean heardFromPeer() {
    return heard;
  }

  private void sendPending(ChannelHandlerContext ctx) {
    byte[] m = shs.nextMessage();
    if (m != null) {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(m));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancelTimeout();
    if (!done) {
      done = true;
      try {
        shs.peerClosed();
      } catch (HandshakeException e) {
        ctx.fireExceptionCaught(e);
      } catch (IllegalStateException e) {
        // Already failed or complete: nothing to report.
      }
    }
    super.channelInactive(ctx);
  }

  private void onTimeout(ChannelHandlerContext ctx) {
    if (!done) {
      done = true;
      ctx.fireExceptionCaught(new ConnectFailedException(ConnectFailedException.Reason.TIMEOUT,
          "handshake not complete after " + timeoutMillis + " ms"));
      ctx.close();
    }
  }

  private void fail(ChannelHandlerContext ctx, ByteBuf in, Exception e) {
    done = true;
    cancelTimeout();
    in.skipBytes(in.readableBytes());
    ctx.fireExceptionCaught(e);
    ctx.close();
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }
}
