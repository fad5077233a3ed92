package org.kith.node.net;

import com.google.protobuf.Empty;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.collection.LongObjectMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.kith.protocol.Limits;
import org.kith.protocol.boxstream.BoxStreamException;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.frame.Messages;
import org.kith.protocol.handshake.HandshakeException;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last in the pipeline: turns a completed handshake into a {@link PeerConnection}, exchanges HELLO, answers
 * PING, matches responses to requests, and hands requests to the node's {@link RequestHandler} after the
 * rate limit, the in-flight limit and {@link Admission#allow}. A peer that breaks the framing gets an ERROR
 * and is disconnected. Runs on the channel's event loop only.
 *
 * <p>An inbound connection from a key that is not a peer ({@link Admission#isPeer}) is a stranger's: it may
 * send HELLO and one PAIR_REQUEST within {@link TransportConfig#unpairedTimeout()}, by the transport's clock.
 * Anything else (a PING too) gets {@code ERROR NOT_PAIRED} and a close; it is never pinged; once its request
 * is answered it is closed, unless the answer made the key a peer. A stranger over its budget is told
 * {@code ERROR RATE_LIMITED} "busy" right after the handshake and closed, so a client can tell a busy node from
 * a wrong key.
 *
 * <p>Why one class of this size: it is the one place that sees every frame of a connection in order, so the
 * per-connection rules (HELLO first, rate and in-flight limits, keepalive and idle, what a stranger may send)
 * are decided here together, on the event loop, without locks.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionHandler.class);
  /**
   * How often a stranger's deadline is compared with the transport's clock: the deadline is on that clock (so
   * tests move it by hand), the check runs on the event loop's timer.
   */
  static final long STRANGER_CHECK_MILLIS = 250;
  static final String BUSY_MESSAGE = "busy: too many connections from keys that are not paired; retry in a minute";

  private final Transport transport;
  private final boolean inbound;
  private final CompletableFuture<PeerConnection> connectFuture; // null for inbound connections
  private final ConnectionSlots.Slot slot;
  /** Ids of the peer's requests our handler is working on. */
  private final LongObjectMap<Boolean> inFlight = new LongObjectHashMap<>();
  private PeerConnection conn;
  private RateLimiter bucket;
  private boolean helloSeen;
  private Throwable handshakeFailure;
  /** The unpaired rules apply (see the class comment). */
  private boolean stranger;
  private boolean strangerAsked;
  private long strangerSinceMillis;
  private ScheduledFuture<?> strangerCheck;

  ConnectionHandler(Transport transport, boolean inbound, CompletableFuture<PeerConnection> connectFuture,
      ConnectionSlots.Slot slot) {
    this.transport = transport;
    this.inbound = inbound;
    this.connectFuture = connectFuture;
    this.slot = slot;
  }

  /** The peer's requests being answered now; event loop only. */
  int serving() {
    return inFlight.size();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ShsHandler.Completed completed) {
      onHandshake(ctx, completed);
    } else if (evt instanceof IdleStateEvent idle) {
      onIdle(ctx, idle);
    } else if (evt == BoxStreamCodec.GOODBYE) {
      LOG.debug("{} said goodbye", conn);
    }
  }

  private void onHandshake(ChannelHandlerContext ctx, ShsHandler.Completed completed) {
    Hello hello = Hello.newBuilder().setProtocolVersion(Limits.PROTOCOL_VERSION)
        .addAllCapabilities(transport.capabilities()).build();
    ConnectionSlots.Kind kind = slot.kind();
    if (kind == ConnectionSlots.Kind.REFUSING) {
      // HELLO first, as every connection starts; then the reason, then the goodbye. Never registered.
      LOG.debug("unpaired {} from {}: no room, told busy", completed.remote().shortText(), slot.source);
      ctx.write(FrameCodec.frame(FrameType.HELLO, 0, hello));
      sendError(ctx.channel(), 0, ErrorCode.RATE_LIMITED, BUSY_MESSAGE);
      ctx.channel().close();
      return;
    }
    TransportConfig config = transport.config();
    conn = new PeerConnection(ctx.channel(), completed.remote(), inbound, config.requestTimeout(),
        config.maxInFlightPerPeer(), transport.clock().millis());
    conn.tag = completed.tag();
    bucket = transport.bucket(conn.remote());
    LOG.debug("handshake complete: {} {}", conn, conn.remoteAddress());
    if (kind == ConnectionSlots.Kind.STRANGER) {
      // Before our HELLO goes out, so that a peer that has our HELLO knows its deadline runs.
      stranger = true;
      strangerSinceMillis = transport.clock().millis();
      strangerCheck = ctx.executor().scheduleAtFixedRate(() -> checkStranger(ctx), STRANGER_CHECK_MILLIS,
          STRANGER_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }
    ctx.writeAndFlush(FrameCodec.frame(FrameType.HELLO, 0, hello));
    transport.register(conn, connectFuture);
  }

  /** Closes a stranger past its deadline: unpairedTimeout for its request, plus requestTimeout for our answer. */
  private void checkStranger(ChannelHandlerContext ctx) {
    if (!stranger) {
      cancelStrangerCheck();
      return;
    }
    TransportConfig config = transport.config();
    long limit = config.unpairedTimeout().toMillis() + (strangerAsked ? config.requestTimeout().toMillis() : 0);
    long elapsed = transport.clock().millis() - strangerSinceMillis;
    if (elapsed >= limit) {
      LOG.debug("{} not paired after {} ms: closing", conn, elapsed);
      cancelStrangerCheck();
      ctx.channel().close();
    }
  }

  private void cancelStrangerCheck() {
    if (strangerCheck != null) {
      strangerCheck.cancel(false);
      strangerCheck = null;
    }
  }

  /** A stranger's one request was answered or refused: it stays only if it is a peer now. */
  private void strangerAnswered(Channel ch) {
    if (!stranger || !ch.isActive()) {
      return;
    }
    transport.requestOpen(slot, false);
    if (transport.promote(slot, conn.remote())) {
      LOG.debug("{} is a peer now: kept", conn);
      stranger = false;
      cancelStrangerCheck();
      return;
    }
    LOG.debug("{} answered and not paired: closing", conn);
    ch.close();
  }

  private void onIdle(ChannelHandlerContext ctx, IdleStateEvent idle) {
    if (conn == null || stranger || idle.state() != IdleState.READER_IDLE) {
      return; // the handshake timeout covers the handshake, the stranger check a stranger
    }
    // Fired after every keepaliveInterval of silence from the peer: close once it is idleTimeout, else PING.
    long silentMillis = transport.clock().millis() - conn.lastSeenMillis();
    if (silentMillis >= transport.config().idleTimeout().toMillis()) {
      LOG.debug("{} silent for {} ms: closing", conn, silentMillis);
      ctx.channel().close();
    } else {
      // Only the PONG matters, as a read; its absence ends in the close above.
      conn.request(FrameType.PING, Empty.getDefaultInstance()).whenComplete((f, e) -> {});
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Frame frame)) {
      io.netty.util.ReferenceCountUtil.release(msg);
      return;
    }
    if (conn == null) {
      return; // cannot happen: frames only flow after the handshake
    }
    conn.touch(transport.clock().millis());
    FrameType type = frame.getHeader().getType();
    long id = frame.getHeader().getRequestId();
    if (!helloSeen) {
      onHello(ctx, frame, type);
    } else if (type == FrameType.HELLO) {
      protocolError(ctx, ErrorCode.MALFORMED, "second HELLO");
    } else if (FrameTypes.isRequest(type)) {
      onRequest(ctx, frame, type, id);
    } else if (type == FrameType.ERROR && id == 0) {
      ErrorFrameException e = PeerConnection.toException(frame);
      LOG.debug("{} sent {}", conn, e.code());
      // Spec 8: a connection-level ERROR comes before a close; requests still open fail with it, not with a
      // bare "closed", so a client can tell "busy" from a lost connection.
      conn.closingWith(e);
    } else if (FrameTypes.isResponse(type)) {
      if (!conn.complete(frame)) {
        LOG.debug("{} answered request {} which is not open (late after a timeout?)", conn, id);
      }
    } else {
      onUnsolicited(ctx, frame, type);
    }
  }

  private void onHello(ChannelHandlerContext ctx, Frame frame, FrameType type) {
    if (type != FrameType.HELLO) {
      protocolError(ctx, ErrorCode.MALFORMED, "first frame is " + type + ", not HELLO");
      return;
    }
    Hello hello;
    try {
      hello = Messages.hello(frame);
    } catch (FrameException e) {
      protocolError(ctx, e.code().wireCode(), e.getMessage());
      return;
    }
    helloSeen = true;
    conn.hello(hello);
  }

  private void onRequest(ChannelHandlerContext ctx, Frame frame, FrameType type, long id) {
    Channel ch = ctx.channel();
    if (stranger) {
      if (type != FrameType.PAIR_REQUEST || strangerAsked) {
        sendError(ch, id, ErrorCode.NOT_PAIRED, "not paired: a key that is not paired may send one PAIR_REQUEST");
        ch.close();
        return;
      }
      strangerAsked = true;
      transport.requestOpen(slot, true);
    }
    serve(ctx, frame, type, id);
    if (stranger && !inFlight.containsKey(id)) {
      strangerAnswered(ch); // refused, or answered on the spot
    }
  }

  private void serve(ChannelHandlerContext ctx, Frame frame, FrameType type, long id) {
    Channel ch = ctx.channel();
    if (id == 0) {
      sendError(ch, 0, ErrorCode.MALFORMED, type + " request without a request_id");
      return;
    }
    if (!bucket.tryTake(transport.clock().millis())) {
      sendError(ch, id, ErrorCode.RATE_LIMITED, "more than "
          + transport.config().maxRequestsPerSecondPerPeer() + " requests per second");
      return;
    }
    if (inFlight.containsKey(id)) {
      sendError(ch, id, ErrorCode.MALFORMED, "request_id already open");
      return;
    }
    if (inFlight.size() >= transport.config().maxInFlightPerPeer()) {
      sendError(ch, id, ErrorCode.RATE_LIMITED, "more than " + transport.config().maxInFlightPerPeer()
          + " open requests");
      return;
    }
    if (type == FrameType.PING) {
      ch.writeAndFlush(FrameCodec.frame(FrameType.PONG, id, Empty.getDefaultInstance()));
      return;
    }
    if (!transport.allow(conn.remote(), type)) {
      sendError(ch, id, ErrorCode.NOT_PAIRED, type + " needs pairing");
      return;
    }
    try {
      validate(frame, type);
    } catch (FrameException e) {
      // Spec 5.2 step 5: one bad message; the connection stays.
      sendError(ch, id, e.code().wireCode(), e.getMessage());
      return;
    }
    inFlight.put(id, Boolean.TRUE);
    CompletableFuture<Response> result;
    try {
      result = transport.handler().handle(conn, frame);
      if (result == null) {
        throw new NullPointerException("RequestHandler.handle returned null");
      }
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    if (result.isDone()) {
      // Answered on the spot (from memory): no hop through the task queue, and the reply joins the flush
      // that ends this read.
      Response response = null;
      Throwable error = null;
      try {
        response = result.join();
      } catch (RuntimeException e) {
        error = e;
      }
      respond(ch, type, id, response, error);
      return;
    }
    result.whenComplete((response, error) -> {
      try {
        ch.eventLoop().execute(() -> {
          respond(ch, type, id, response, error);
          strangerAnswered(ch);
        });
      } catch (RejectedExecutionException e) {
        // The transport is shutting down: the connection is going away with the answer.
      }
    });
  }

  /** The stateless payload rules of spec section 6, so that the node's handler never sees a bad payload. */
  static void validate(Frame frame, FrameType type) throws FrameException {
    switch (type) {
      case PAIR_REQUEST:
        Messages.pairRequest(frame);
        break;
      case QUERY:
        Messages.query(frame);
        break;
      case SYNC_REQUEST:
        Messages.syncRequest(frame);
        break;
      case PAIR_ACCEPT:
        Messages.pairAccept(frame);
        break;
      case ANSWER:
        Messages.answer(frame);
        break;
      case SYNC_BATCH:
        Messages.syncBatch(frame);
        break;
      case UPGRADE:
        Messages.upgrade(frame);
        break;
      case UPGRADE_REPLY:
        Messages.upgradeReply(frame);
        break;
      default:
        break;
    }
  }

  private void respond(Channel ch, FrameType requestType, long id, Response response, Throwable error) {
    inFlight.remove(id);
    if (!ch.isActive()) {
      return;
    }
    if (error != null) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null
          ? error.getCause() : error;
      if (cause instanceof ErrorFrameException e) {
        sendError(ch, id, e.code(), e.wireMessage());
        if (closesConnection(e.code())) {
          LOG.debug("{} refused with {}: closing", conn, e.code());
          ch.close();
        }
      } else if (cause instanceof FrameException e) {
        sendError(ch, id, e.code().wireCode(), e.getMessage());
      } else {
        // A bug in the node: the class is enough to find it; its message may quote user data.
        LOG.error("request handler failed on {} with {}", requestType, cause.getClass().getName());
        sendError(ch, id, ErrorCode.INTERNAL, "internal error");
      }
      return;
    }
    FrameType expected = FrameTypes.responseTo(requestType);
    if (response == null || response.type() != expected) {
      LOG.error("request handler answered {} with {}", requestType, response == null ? null : response.type());
      sendError(ch, id, ErrorCode.INTERNAL, "internal error");
      return;
    }
    Frame frame = FrameCodec.frame(response.type(), id, response.payload());
    if (frame.getSerializedSize() > Limits.MAX_FRAME_BYTES) {
      sendError(ch, id, ErrorCode.TOO_LARGE, response.type() + " response exceeds MAX_FRAME_BYTES");
      return;
    }
    ch.writeAndFlush(frame);
  }

  private void onUnsolicited(ChannelHandlerContext ctx, Frame frame, FrameType type) {
    if (stranger) {
      sendError(ctx.channel(), 0, ErrorCode.NOT_PAIRED, "not paired: " + type + " refused");
      ctx.channel().close();
      return;
    }
    if (!transport.allow(conn.remote(), type)) {
      LOG.debug("{} sent {}, not allowed: dropped", conn, type);
      return;
    }
    try {
      transport.handler().onMessage(conn, frame);
    } catch (RuntimeException e) {
      LOG.error("onMessage failed on {} with {}", type, e.getClass().getName());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (conn == null) {
      if (handshakeFailure == null) {
        handshakeFailure = cause;
      }
      LOG.debug("handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.getMessage());
      ctx.channel().close();
      return;
    }
    if (cause instanceof FrameException e) {
      LOG.debug("{} sent a bad frame: {}", conn, e.getMessage());
      protocolError(ctx, e.code().wireCode(), e.getMessage());
    } else if (cause instanceof BoxStreamException e) {
      LOG.debug("{} box-stream failed: {}", conn, e.reason());
      ctx.channel().close();
    } else if (cause instanceof IOException) {
      LOG.debug("{} I/O: {}", conn, cause.getMessage());
      ctx.channel().close();
    } else {
      LOG.warn("{} closed after unexpected {}", conn, cause.getClass().getName());
      ctx.channel().close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelStrangerCheck();
    if (conn == null) {
      if (connectFuture != null) {
        connectFuture.completeExceptionally(connectFailure(handshakeFailure));
      }
      return;
    }
    LOG.debug("closed: {}", conn);
    conn.failAll(conn.closedCause());
    transport.unregister(conn);
    if (connectFuture != null) {
      connectFuture.completeExceptionally(
          new ConnectFailedException(ConnectFailedException.Reason.CLOSED, "closed right after the handshake"));
    }
  }

  static ConnectFailedException connectFailure(Throwable cause) {
    if (cause instanceof ConnectFailedException e) {
      return e;
    }
    if (cause instanceof HandshakeException h) {
      if (h.reason() == HandshakeException.Reason.PEER_CLOSED && h.message() == 4) {
        return new ConnectFailedException(ConnectFailedException.Reason.REFUSED,
            "the server holds another key or refused ours", h);
      }
      return new ConnectFailedException(ConnectFailedException.Reason.HANDSHAKE_FAILED, h.getMessage(), h);
    }
    if (cause == null) {
      return new ConnectFailedException(ConnectFailedException.Reason.CLOSED, "closed during the handshake");
    }
    return new ConnectFailedException(ConnectFailedException.Reason.CLOSED,
        "closed during the handshake after " + cause.getClass().getSimpleName(), cause);
  }

  /** Tells the peer what it broke, then closes: the stream is no longer in a known state. */
  private void protocolError(ChannelHandlerContext ctx, ErrorCode code, String message) {
    sendError(ctx.channel(), 0, code, message);
    ctx.channel().close();
  }

  /** Spec 8.1: after these the connection is closed (the ERROR goes out first, then the goodbye). */
  static boolean closesConnection(ErrorCode code) {
    return code == ErrorCode.INVITE_INVALID || code == ErrorCode.UNSUPPORTED;
  }

  static void sendError(Channel ch, long requestId, ErrorCode code, String message) {
    org.kith.protocol.proto.Error error = org.kith.protocol.proto.Error.newBuilder()
        .setCode(code)
        .setMessage(truncateUtf8(message, Limits.MAX_ERROR_MESSAGE_BYTES))
        .build();
    ch.writeAndFlush(FrameCodec.frame(FrameType.ERROR, requestId, error));
  }

  static String truncateUtf8(String s, int maxBytes) {
    if (s.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
      return s;
    }
    int end = Math.min(s.length(), maxBytes);
    while (end > 0 && s.substring(0, end).getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      end--;
    }
    if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }
}
