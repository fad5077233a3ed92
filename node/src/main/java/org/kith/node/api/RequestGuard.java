package org.kith.node.api;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Decides on each request by its head, between the HTTP codec and the aggregator, before any of its body is read:
 * a head the codec could not decode gets 414, 431 or 400; a head that {@code check} refuses (Host, credentials)
 * gets that answer; a body larger than the limit gets 413, and one that does not fit in what is left of the
 * shared {@link Budget} gets 503. A refused request is answered with {@code Connection: close}, nothing more is
 * read from its connection, and the connection is closed. Bodies of admitted requests are counted as they arrive
 * (chunked ones have no length up front) and their bytes stay counted until the request's answer is written.
 *
 * <p>It also keeps the connection's deadlines: the next head must be complete within the head timeout of the
 * connection opening or the previous answer being written, and a body within the body timeout of its head. While
 * a route runs, no deadline applies: the route answers or fails by its own limits.
 *
 * <p>One instance per connection; every method runs on the connection's event loop.
 */
final class RequestGuard extends ChannelDuplexHandler {
  /** The bytes of request bodies held in memory, across all connections, against one bound. */
  static final class Budget {
    private final long maxBytes;
    private final AtomicLong used = new AtomicLong();

    Budget(long maxBytes) {
      if (maxBytes < 0) {
        throw new IllegalArgumentException("maxBytes < 0: " + maxBytes);
      }
      this.maxBytes = maxBytes;
    }

    boolean tryReserve(long bytes) {
      while (true) {
        long u = used.get();
        if (bytes > maxBytes - u) {
          return false;
        }
        if (used.compareAndSet(u, u + bytes)) {
          return true;
        }
      }
    }

    void release(long bytes) {
      used.addAndGet(-bytes);
    }

    long usedBytes() {
      return used.get();
    }
  }

  /** An admitted request not answered yet, and the body bytes it holds. */
  private static final class Pending {
    long reservedBytes;
    long receivedBytes;
  }

  private enum State { HEAD, BODY, REFUSED }

  private final Function<HttpRequest, FullHttpResponse> check;
  private final Budget budget;
  private final ApiServer.Limits limits;
  /** Oldest first; a client may send its next request before the previous answer (pipelining). */
  private final ArrayDeque<Pending> unanswered = new ArrayDeque<>();
  private State state = State.HEAD;
  /** The request whose body is being read, while {@link State#BODY}. */
  private Pending current;
  private ScheduledFuture<?> deadline;
  /** An answer is being streamed (its head is written, its last chunk not yet): no head deadline runs. */
  private boolean streaming;

  /** {@code check} returns the answer that refuses a well-formed head, or null to admit it. */
  RequestGuard(Function<HttpRequest, FullHttpResponse> check, Budget budget, ApiServer.Limits limits) {
    this.check = check;
    this.budget = budget;
    this.limits = limits;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // Added to a connection that is already open (tests do), the head deadline starts now.
    awaitHeadIfIdle(ctx);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    awaitHeadIfIdle(ctx);
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancelDeadline();
    releaseAll();
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.REFUSED) {
      // Already decoded from the last read before reading stopped; dropped unread.
      ReferenceCountUtil.release(msg);
    } else if (msg instanceof HttpRequest head) {
      // The codec's stand-in for an undecodable head is a full request: it too is a head here.
      onHead(ctx, head);
    } else if (msg instanceof HttpContent content) {
      onContent(ctx, content);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  private void onHead(ChannelHandlerContext ctx, HttpRequest head) {
    cancelDeadline();
    DecoderResult decoded = head.decoderResult();
    if (decoded.isFailure() || state != State.HEAD) {
      ReferenceCountUtil.release(head);
      Throwable cause = decoded.cause();
      if (cause instanceof TooLongHttpLineException) {
        refuse(ctx, HttpResponseStatus.REQUEST_URI_TOO_LONG,
            "the request line is longer than " + ApiServer.MAX_REQUEST_LINE_BYTES + " bytes");
      } else if (cause instanceof TooLongHttpHeaderException) {
        refuse(ctx, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "the request headers are larger than " + ApiServer.MAX_HEADER_BYTES + " bytes together");
      } else {
        refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
      }
      return;
    }
    FullHttpResponse refusal = check.apply(head);
    if (refusal != null) {
      ReferenceCountUtil.release(head);
      refuse(ctx, refusal);
      return;
    }
    // The codec has checked Content-Length: one non-negative number, or none.
    long declared = HttpUtil.getContentLength(head, 0L);
    if (declared > limits.maxBodyBytes()) {
      ReferenceCountUtil.release(head);
      refuseTooLarge(ctx);
      return;
    }
    if (!budget.tryReserve(declared)) {
      ReferenceCountUtil.release(head);
      refuseBusy(ctx);
      return;
    }
    current = new Pending();
    current.reservedBytes = declared;
    unanswered.addLast(current);
    state = State.BODY;
    deadline = ctx.executor().schedule(() -> {
      deadline = null;
      ctx.close();
    }, limits.bodyTimeoutMillis(), TimeUnit.MILLISECONDS);
    ctx.fireChannelRead(head);
  }

  private void onContent(ChannelHandlerContext ctx, HttpContent content) {
    if (state != State.BODY) {
      // Content without an admitted head: the codec never sends it, so drop it rather than pass it on.
      ReferenceCountUtil.release(content);
      return;
    }
    if (content.decoderResult().isFailure()) {
      ReferenceCountUtil.release(content);
      refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request body");
      return;
    }
    Pending p = current;
    p.receivedBytes += content.content().readableBytes();
    if (p.receivedBytes > limits.maxBodyBytes()) {
      ReferenceCountUtil.release(content);
      refuseTooLarge(ctx);
      return;
    }
    if (p.receivedBytes > p.reservedBytes) {
      if (!budget.tryReserve(p.receivedBytes - p.reservedBytes)) {
        ReferenceCountUtil.release(content);
        refuseBusy(ctx);
        return;
      }
      p.reservedBytes = p.receivedBytes;
    }
    if (!(content instanceof LastHttpContent)) {
      ctx.fireChannelRead(content);
      return;
    }
    cancelDeadline();
    state = State.HEAD;
    current = null;
    // The route may answer within this call (a page file, a bad body): the answer finds the request in unanswered.
    ctx.fireChannelRead(content);
    awaitHeadIfIdle(ctx);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (streaming && msg instanceof LastHttpContent && !(msg instanceof HttpResponse)) {
      // The end of a streamed answer: the connection waits for its next request from here.
      streaming = false;
      super.write(ctx, msg, promise);
      awaitHeadIfIdle(ctx);
      return;
    }
    if (!(msg instanceof HttpResponse res) || res.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
      // "100 Continue" from the aggregator answers nothing yet.
      super.write(ctx, msg, promise);
      return;
    }
    Pending answered = unanswered.pollFirst();
    if (answered != null) {
      budget.release(answered.reservedBytes);
      answered.reservedBytes = 0;
    }
    if (answered != null && answered == current) {
      // Answered before its body was all read (an expectation the aggregator refused): the codec is in the middle
      // of that body, so the connection ends with this answer.
      stopReading(ctx);
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ChannelPromise p = promise.unvoid();
      super.write(ctx, msg, p);
      p.addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (!(msg instanceof LastHttpContent)) {
      // The head of a streamed answer (events, progress): the request is answered, its chunks follow.
      streaming = true;
      super.write(ctx, msg, promise);
      return;
    }
    super.write(ctx, msg, promise);
    awaitHeadIfIdle(ctx);
  }

  /** Starts the head deadline when the connection waits for a new request and has no answer outstanding. */
  private void awaitHeadIfIdle(ChannelHandlerContext ctx) {
    if (state != State.HEAD || streaming || !unanswered.isEmpty() || deadline != null || !ctx.channel().isActive()) {
      return;
    }
    deadline = ctx.executor().schedule(() -> {
      deadline = null;
      ctx.close();
    }, limits.headTimeoutMillis(), TimeUnit.MILLISECONDS);
  }

  private void refuseTooLarge(ChannelHandlerContext ctx) {
    int max = limits.maxBodyBytes();
    String limit = max % (1 << 20) == 0 ? (max >> 20) + " MiB" : max + " bytes";
    refuse(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "the request body is larger than " + limit + ", the limit"
        + " for one request: send it in smaller parts (the page splits a folder by itself); nothing was changed");
  }

  private void refuseBusy(ChannelHandlerContext ctx) {
    FullHttpResponse res = ApiServer.json(HttpResponseStatus.SERVICE_UNAVAILABLE,
        ApiServer.error("the node is busy; retry shortly", 1));
    res.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
    refuse(ctx, res);
  }

  private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
    refuse(ctx, ApiServer.json(status, ApiServer.error(message, 1)));
  }

  /** Answers from here, in front of the aggregator, so nothing of the body is read or kept; then closes. */
  private void refuse(ChannelHandlerContext ctx, FullHttpResponse res) {
    stopReading(ctx);
    res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }

  private void stopReading(ChannelHandlerContext ctx) {
    state = State.REFUSED;
    current = null;
    cancelDeadline();
    releaseAll();
    ctx.channel().config().setAutoRead(false);
  }

  private void releaseAll() {
    for (Pending p : unanswered) {
      budget.release(p.reservedBytes);
      p.reservedBytes = 0;
    }
    unanswered.clear();
  }

  private void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
