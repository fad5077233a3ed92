package org.kith.node.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.kith.node.events.EventBus;
import org.kith.node.events.NodeEvent;

/**
 * The API's two kinds of streamed answer (spec/API.md): {@code GET /v1/events}, server-sent events for as long as
 * the page stays open, and a long route's progress as newline-delimited JSON when the client asks for it with
 * {@code Accept: application/x-ndjson}. Both answer with a head and chunks; {@link RequestGuard} counts the
 * request answered at the head and keeps no head deadline until the last chunk. Writes happen on the
 * connection's event loop only.
 */
final class ApiStreams {
  /** What a client sends in Accept to have a long route stream its progress. */
  static final String NDJSON = "application/x-ndjson";
  /** How long a browser waits before it reconnects an event stream the node ended (node restart). */
  static final int SSE_RETRY_MILLIS = 3000;

  private ApiStreams() {}

  static boolean wantsProgress(HttpRequest req) {
    String accept = req.headers().get(HttpHeaderNames.ACCEPT, "");
    return accept.contains(NDJSON);
  }

  static HttpResponse head(String type) {
    HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    ApiServer.strictHeaders(res.headers(), type);
    HttpUtil.setTransferEncodingChunked(res, true);
    return res;
  }

  static DefaultHttpContent chunk(String s) {
    return new DefaultHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
  }

  /**
   * One open {@code GET /v1/events}: each event as {@code event: TYPE} and {@code data: JSON}, a comment line as the
   * keep-alive. A client that does not read (its socket buffer and Netty's outbound buffer are full: the channel is
   * not writable) is closed rather than buffered for; a browser reconnects by itself.
   */
  static final class EventStream implements EventBus.Listener {
    private final Channel ch;

    private EventStream(Channel ch) {
      this.ch = ch;
    }

    /** Answers the request with the stream's head and subscribes; unsubscribes when the connection closes. */
    static void open(ChannelHandlerContext ctx, EventBus bus) {
      EventStream s = new EventStream(ctx.channel());
      EventBus.Subscription sub;
      try {
        sub = bus.subscribe(s);
      } catch (EventBus.TooManyListenersException e) {
        io.netty.handler.codec.http.FullHttpResponse res = ApiServer.json(HttpResponseStatus.SERVICE_UNAVAILABLE,
            ApiServer.error(e.getMessage(), 1));
        res.headers().set(HttpHeaderNames.RETRY_AFTER, 10);
        ApiServer.write(ctx, false, res);
        return;
      }
      ctx.channel().closeFuture().addListener(f -> sub.close());
      HttpResponse head = head("text/event-stream; charset=utf-8");
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.write(head);
      ctx.writeAndFlush(chunk("retry: " + SSE_RETRY_MILLIS + "\n: connected\n\n"));
    }

    @Override
    public void event(NodeEvent e) {
      // One line of JSON: Gson escapes line breaks inside strings, so "data:" holds it whole.
      write("event: " + e.type() + "\ndata: " + e.data() + "\n\n");
    }

    @Override
    public void keepAlive() {
      write(": keep-alive\n\n");
    }

    @Override
    public void closed() {
      onLoop(() -> {
        if (ch.isActive()) {
          ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
      });
    }

    private void write(String s) {
      onLoop(() -> {
        if (!ch.isActive()) {
          return;
        }
        if (!ch.isWritable()) {
          ch.close();
          return;
        }
        ch.writeAndFlush(chunk(s));
      });
    }

    private void onLoop(Runnable r) {
      try {
        ch.eventLoop().execute(r);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // The API server stopped first: its connections are closed already.
      }
    }
  }

  /**
   * A long route's answer as newline-delimited JSON: {@code {"progress": {...}}} lines as the route reports, then
   * one {@code {"result": ...}} or {@code {"error": ..., "exitCode": n}} line. The head goes out with the first
   * report, so a route that fails before it reports (bad input) still answers with its status and one JSON object.
   * The route runs on a worker thread; every write is handed to the event loop in order.
   */
  static final class ProgressStream implements Router.Progress {
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private volatile boolean started;

    ProgressStream(ChannelHandlerContext ctx, boolean keepAlive) {
      this.ctx = ctx;
      this.keepAlive = keepAlive;
    }

    @Override
    public void report(JsonObject progress) {
      boolean first = !started;
      started = true;
      JsonObject line = new JsonObject();
      line.add("progress", progress.deepCopy());
      ctx.channel().eventLoop().execute(() -> {
        if (first) {
          HttpResponse head = head(NDJSON + "; charset=utf-8");
          head.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE
              : HttpHeaderValues.CLOSE);
          ctx.write(head);
        }
        ctx.writeAndFlush(chunk(line + "\n"));
      });
    }

    boolean started() {
      return started;
    }

    /** Ends a started stream with the route's answer: a result when {@code ok}, else the error object. */
    void finish(boolean ok, JsonElement out) {
      JsonObject line;
      if (ok) {
        line = new JsonObject();
        line.add("result", out);
      } else {
        line = out.getAsJsonObject();
      }
      ctx.channel().eventLoop().execute(() -> {
        ctx.write(chunk(line + "\n"));
        if (keepAlive) {
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
      });
    }
  }
}
