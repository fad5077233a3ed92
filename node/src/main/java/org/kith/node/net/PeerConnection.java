package org.kith.node.net;

import com.google.protobuf.MessageLite;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.collection.LongObjectMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.kith.protocol.Limits;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.frame.Messages;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;

/**
 * One authenticated, encrypted connection to a peer, multiplexing requests in both directions. Thread-safe:
 * requests may be sent from any thread. Futures complete on the network event loop, so a caller with slow
 * work to do on the result uses the {@code ...Async} methods of {@link CompletableFuture}.
 */
public final class PeerConnection {
  private final Channel channel;
  private final PublicId remote;
  private final InetSocketAddress remoteAddress;
  private final boolean inbound;
  private final long defaultTimeoutMillis;
  /** Our open requests by id; event loop only. */
  private final LongObjectMap<Pending> pending = new LongObjectHashMap<>();
  private final int maxOpenRequests;
  private long lastRequestId; // event loop only
  private volatile long lastSeenMillis;
  private volatile Hello hello;
  private final CompletableFuture<Hello> helloArrived = new CompletableFuture<>();
  /** Set once {@link RequestHandler#onConnected} was called, so that onClosed is called exactly once too. */
  volatile boolean announced;
  /** The peer's connection-level ERROR (request id 0), which comes before its close. */
  private volatile ErrorFrameException peerError;

  private static final class Pending {
    final CompletableFuture<Frame> future = new CompletableFuture<>();
    final FrameType expected;
    volatile ScheduledFuture<?> timer;

    void cancelTimer() {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
    }

    Pending(FrameType expected) {
      this.expected = expected;
    }
  }

  PeerConnection(Channel channel, PublicId remote, boolean inbound, Duration defaultTimeout,
      int maxOpenRequests, long nowMillis) {
    this.maxOpenRequests = maxOpenRequests;
    this.lastSeenMillis = nowMillis;
    this.channel = channel;
    this.remote = remote;
    this.remoteAddress = (InetSocketAddress) channel.remoteAddress();
    this.inbound = inbound;
    this.defaultTimeoutMillis = defaultTimeout.toMillis();
  }

  /** What carries the connection when it is not plain TCP: a room's name ({@link Transport#adopt}). */
  static final io.netty.util.AttributeKey<String> VIA = io.netty.util.AttributeKey.valueOf("kith-via");

  /** The same at both ends, different per connection ({@link ShsHandler.Completed#tag()}); set at the handshake. */
  volatile byte[] tag = new byte[0];

  /** Set on a connection made by the upgrade to direct ({@link Transport#punch}, spec 12.4). */
  static final io.netty.util.AttributeKey<Boolean> DIRECT = io.netty.util.AttributeKey.valueOf("kith-direct");

  /** True when the connection came from the upgrade of a relayed one to a direct one (spec 12.4). */
  public boolean punched() {
    return Boolean.TRUE.equals(channel.attr(DIRECT).get());
  }

  /** The room the connection runs through, or empty for a TCP connection straight to the peer. */
  public Optional<String> via() {
    return Optional.ofNullable(channel.attr(VIA).get());
  }

  /** The peer's key, proven by the handshake. */
  public PublicId remote() {
    return remote;
  }

  public InetSocketAddress remoteAddress() {
    return remoteAddress;
  }

  /** True when the peer dialled us. */
  public boolean inbound() {
    return inbound;
  }

  /** Whether the peer's HELLO listed {@code capability} (spec/PROTOCOL.md 6.1). */
  public boolean speaks(String capability) {
    Hello h = hello;
    return h != null && h.getCapabilitiesList().contains(capability);
  }

  /** The peer's HELLO, once it arrived (it is the first frame each way). */
  public Optional<Hello> hello() {
    return Optional.ofNullable(hello);
  }

  /**
   * Completes, on the event loop, when the peer's HELLO arrives, which is after {@link RequestHandler#onConnected}:
   * what depends on the peer's capabilities waits for it. Never completes on a connection that closes first.
   */
  public CompletableFuture<Hello> whenHello() {
    return helloArrived;
  }

  /** {@link #request(FrameType, MessageLite, Duration)} with {@link TransportConfig#requestTimeout()}. */
  public CompletableFuture<Frame> request(FrameType type, MessageLite payload) {
    return request(type, payload, Duration.ofMillis(defaultTimeoutMillis));
  }

  /**
   * Sends a request (PAIR_REQUEST, QUERY, SYNC_REQUEST or PING) and completes with the matching response
   * frame. Fails with {@link ErrorFrameException} when the peer answers ERROR (or a response of the wrong
   * type, as {@code MALFORMED}; or {@code RATE_LIMITED} without sending when
   * {@link TransportConfig#maxInFlightPerPeer()} requests are already open), {@link RequestTimeoutException},
   * {@link ConnectionClosedException} (or, when the peer sent a connection-level ERROR before closing, that
   * {@link ErrorFrameException}, such as {@code RATE_LIMITED} "busy"), or
   * {@link FrameException} {@code TOO_LARGE} when the request itself exceeds {@code MAX_FRAME_BYTES}.
   */
  public CompletableFuture<Frame> request(FrameType type, MessageLite payload, Duration timeout) {
    if (!FrameTypes.isRequest(type)) {
      throw new IllegalArgumentException("not a request type: " + type);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout not positive: " + timeout);
    }
    Pending p = new Pending(FrameTypes.responseTo(type));
    // The bookkeeping is confined to the event loop: one task hop from another thread, none from the loop.
    EventLoop loop = channel.eventLoop();
    if (loop.inEventLoop()) {
      send(p, type, payload, timeout.toMillis());
    } else {
      try {
        loop.execute(() -> send(p, type, payload, timeout.toMillis()));
      } catch (RejectedExecutionException e) {
        p.future.completeExceptionally(new ConnectionClosedException("transport is shut down"));
      }
    }
    return p.future;
  }

  private void send(Pending p, FrameType type, MessageLite payload, long millis) {
    if (!channel.isActive()) {
      p.future.completeExceptionally(closedCause());
      return;
    }
    if (pending.size() >= maxOpenRequests) {
      // Spec 5.3: a side MUST NOT have more open; refused here rather than by the peer.
      p.future.completeExceptionally(new ErrorFrameException(ErrorCode.RATE_LIMITED,
          "already " + maxOpenRequests + " requests open to this peer"));
      return;
    }
    long id = ++lastRequestId;
    Frame frame = FrameCodec.frame(type, id, payload);
    if (frame.getSerializedSize() > Limits.MAX_FRAME_BYTES) {
      p.future.completeExceptionally(new FrameException(FrameException.Code.TOO_LARGE,
          type + " request of " + frame.getSerializedSize() + " bytes exceeds MAX_FRAME_BYTES"));
      return;
    }
    pending.put(id, p);
    p.timer = channel.eventLoop().schedule(() -> {
      if (pending.remove(id) != null) {
        p.future.completeExceptionally(new RequestTimeoutException(type, millis));
      }
    }, millis, TimeUnit.MILLISECONDS);
    // A failed write means the channel is closing: channelInactive fails every pending request.
    channel.writeAndFlush(frame, channel.voidPromise());
  }

  /** Sends an unsolicited frame (request id 0), such as UNPAIR. */
  public CompletableFuture<Void> send(FrameType type, MessageLite payload) {
    if (FrameTypes.isRequest(type) || FrameTypes.isResponse(type) || type == FrameType.HELLO) {
      throw new IllegalArgumentException("not an unsolicited type: " + type);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    channel.writeAndFlush(FrameCodec.frame(type, 0, payload)).addListener(w -> {
      if (w.isSuccess()) {
        done.complete(null);
      } else {
        done.completeExceptionally(new ConnectionClosedException("not sent: " + w.cause()));
      }
    });
    return done;
  }

  /**
   * Sends an unsolicited {@code ERROR} (request id 0) about a frame of the peer's that needs no answer, such as a
   * refused {@code ADDRESSES}; the connection stays open. {@code message} is cut to the wire's limit and must
   * hold no user data.
   */
  public CompletableFuture<Void> sendError(ErrorCode code, String message) {
    org.kith.protocol.proto.Error error = org.kith.protocol.proto.Error.newBuilder().setCode(code)
        .setMessage(ConnectionHandler.truncateUtf8(message, Limits.MAX_ERROR_MESSAGE_BYTES)).build();
    CompletableFuture<Void> done = new CompletableFuture<>();
    channel.writeAndFlush(FrameCodec.frame(FrameType.ERROR, 0, error)).addListener(w -> {
      if (w.isSuccess()) {
        done.complete(null);
      } else {
        done.completeExceptionally(new ConnectionClosedException("not sent: " + w.cause()));
      }
    });
    return done;
  }

  /** Sends the goodbye and closes; pending requests fail with {@link ConnectionClosedException}. */
  public void close() {
    closing = true;
    channel.close();
  }

  /**
   * Stops counting as open now, and closes with the goodbye once no request is open either way, or after
   * {@code maxMillis} at most: the replaced connection of an upgrade to direct (spec 12.4).
   */
  void closeWhenIdle(long maxMillis) {
    closing = true;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    try {
      channel.eventLoop().execute(() -> drain(deadline));
    } catch (RejectedExecutionException e) {
      channel.close();
    }
  }

  private void drain(long deadlineNanos) {
    if (!channel.isActive()) {
      return;
    }
    ConnectionHandler h = channel.pipeline().get(ConnectionHandler.class);
    if ((pending.isEmpty() && (h == null || h.serving() == 0)) || System.nanoTime() - deadlineNanos >= 0) {
      channel.close();
      return;
    }
    channel.eventLoop().schedule(() -> drain(deadlineNanos), DRAIN_CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** How often a draining connection looks whether its requests are answered. */
  private static final long DRAIN_CHECK_MILLIS = 20;

  /** False from the moment {@link #close()} is called, even while the goodbye is still being written. */
  public boolean isOpen() {
    return !closing && channel.isActive();
  }

  private volatile boolean closing;

  /**
   * When the last frame arrived from the peer (the handshake's end at first), in milliseconds of the
   * transport's {@link Transport#clock()}.
   */
  public long lastSeenMillis() {
    return lastSeenMillis;
  }

  /** Requests we sent that await a response; read from another thread it is only an estimate. */
  int pendingRequests() {
    return pending.size();
  }

  /** The peer sent a connection-level ERROR: the close that follows fails open requests with it. */
  void closingWith(ErrorFrameException e) {
    peerError = e;
  }

  /**
   * Why requests on a closed connection fail: the peer's connection-level ERROR if it sent one (such as
   * {@code RATE_LIMITED} "busy" to a key that is not paired), else {@link ConnectionClosedException}.
   */
  TransportException closedCause() {
    ErrorFrameException e = peerError;
    return e != null ? e : new ConnectionClosedException("connection to " + remote.shortText() + " closed");
  }

  void touch(long nowMillis) {
    lastSeenMillis = nowMillis;
  }

  void hello(Hello h) {
    hello = h;
    helloArrived.complete(h);
  }

  Channel channel() {
    return channel;
  }

  /** On the event loop: completes the request {@code response} answers; false when none is open (late, or never sent). */
  boolean complete(Frame response) {
    long id = response.getHeader().getRequestId();
    Pending p = pending.remove(id);
    if (p == null) {
      return false;
    }
    p.cancelTimer();
    FrameType type = response.getHeader().getType();
    if (type == FrameType.ERROR) {
      p.future.completeExceptionally(toException(response));
    } else if (type != p.expected) {
      p.future.completeExceptionally(new ErrorFrameException(ErrorCode.MALFORMED,
          "peer answered " + type + " where " + p.expected + " was due"));
    } else {
      try {
        ConnectionHandler.validate(response, type);
        p.future.complete(response);
      } catch (FrameException e) {
        // Spec 5.2 step 5: the response is not used; the request fails now rather than at its timeout.
        p.future.completeExceptionally(new ErrorFrameException(e.code().wireCode(),
            "peer sent a bad " + type + ": " + e.getMessage()));
      }
    }
    return true;
  }

  static ErrorFrameException toException(Frame errorFrame) {
    try {
      org.kith.protocol.proto.Error e = Messages.error(errorFrame);
      ErrorCode code = ErrorCode.forNumber(e.getCodeValue());
      String message = ConnectionHandler.truncateUtf8(e.getMessage(), Limits.MAX_ERROR_MESSAGE_BYTES);
      if (code == null || code == ErrorCode.ERROR_CODE_UNSPECIFIED || code == ErrorCode.UNRECOGNIZED) {
        // Spec section 8: a code this revision does not know reads as INTERNAL.
        return new ErrorFrameException(ErrorCode.INTERNAL, message);
      }
      return new ErrorFrameException(code, message);
    } catch (FrameException ex) {
      return new ErrorFrameException(ErrorCode.MALFORMED, "peer sent an ERROR that does not parse");
    }
  }

  /** On the event loop, when the channel closed. */
  void failAll(TransportException cause) {
    List<Pending> all = new ArrayList<>(pending.values());
    pending.clear();
    for (Pending p : all) {
      p.cancelTimer();
      p.future.completeExceptionally(cause);
    }
  }

  @Override
  public String toString() {
    return "PeerConnection[" + remote.shortText() + (inbound ? " inbound" : " outbound") + "]";
  }
}
