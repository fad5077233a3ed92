package org.kith.node.api;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.KithException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local HTTP/JSON API of a running node (spec/API.md): bound to 127.0.0.1 only, every request carries the
 * token from the home folder, and requests whose Host is not this loopback address are refused (DNS
 * rebinding). Routes run off the event loop because they touch the vault and the model.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  public static final int MAX_BODY_BYTES = 1 << 20;
  public static final int MAX_QUEUED_REQUESTS = 64;
  public static final int WORKERS = 2;

  private final Router router;
  private final byte[] token;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ExecutorService workers = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS,
      new java.util.concurrent.ArrayBlockingQueue<>(MAX_QUEUED_REQUESTS), r -> {
        Thread t = new Thread(r, "kith-api");
        t.setDaemon(true);
        return t;
      });
  private final AtomicBoolean closed = new AtomicBoolean();
  private Channel channel;
  private int port;

  public ApiServer(Router router, String token) {
    this.router = router;
    this.token = token.getBytes(StandardCharsets.US_ASCII);
  }

  public InetSocketAddress start(int wantedPort) throws IOException {
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(new ReadTimeoutHandler(60))
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                .addLast(new Handler());
          }
        });
    try {
      channel = b.bind("127.0.0.1", wantedPort).sync().channel();
    } catch (Exception e) {
      close();
      throw new IOException("cannot listen on 127.0.0.1:" + wantedPort + " for the local API: " + e.getMessage(), e);
    }
    InetSocketAddress a = (InetSocketAddress) channel.localAddress();
    port = a.getPort();
    return a;
  }

  public int port() {
    return port;
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      String host = req.headers().get(HttpHeaderNames.HOST, "");
      if (!host.equals("127.0.0.1:" + port) && !host.equals("localhost:" + port)) {
        send(ctx, keepAlive, HttpResponseStatus.FORBIDDEN, error("this API answers only to 127.0.0.1:" + port, 1));
        return;
      }
      if (!authorised(req)) {
        send(ctx, keepAlive, HttpResponseStatus.UNAUTHORIZED,
            error("missing or wrong API token (it is in the node's home folder, file api.token)", 1));
        return;
      }
      QueryStringDecoder qs = new QueryStringDecoder(req.uri());
      Map<String, String> query = new HashMap<>();
      qs.parameters().forEach((k, v) -> query.put(k, v.isEmpty() ? "" : v.get(0)));
      JsonObject body = null;
      if (req.content().isReadable()) {
        try {
          JsonElement e = JsonParser.parseString(req.content().toString(StandardCharsets.UTF_8));
          if (!e.isJsonObject()) {
            throw new JsonParseException("not an object");
          }
          body = e.getAsJsonObject();
        } catch (JsonParseException e) {
          send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, error("the request body is not a JSON object", 1));
          return;
        }
      }
      Router.Request r = new Router.Request(req.method().name(), qs.path(), query, body == null ? new JsonObject() : body);
      try {
        workers.execute(() -> {
          HttpResponseStatus status = HttpResponseStatus.OK;
          JsonElement out;
          try {
            out = router.handle(r);
          } catch (KithException e) {
            status = statusOf(e);
            out = error(e.getMessage(), e.exitCode());
          } catch (RuntimeException e) {
            LOG.error("API route {} {} failed", r.method(), r.path(), e);
            status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
            out = error("internal error: " + e.getClass().getSimpleName(), 1);
          }
          HttpResponseStatus s = status;
          JsonElement o = out;
          ctx.channel().eventLoop().execute(() -> send(ctx, keepAlive, s, o));
        });
      } catch (RejectedExecutionException e) {
        send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, error("the node is busy; retry shortly", 1));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("API connection closed: {}", cause.getClass().getSimpleName());
      ctx.close();
    }
  }

  boolean authorised(FullHttpRequest req) {
    String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION, "");
    if (auth.startsWith("Bearer ")) {
      return MessageDigest.isEqual(auth.substring(7).strip().getBytes(StandardCharsets.US_ASCII), token);
    }
    return false;
  }

  static HttpResponseStatus statusOf(KithException e) {
    if (e instanceof Router.NotFound) {
      return HttpResponseStatus.NOT_FOUND;
    }
    if (e instanceof Router.NotAllowed) {
      return HttpResponseStatus.METHOD_NOT_ALLOWED;
    }
    return switch (e.exitCode()) {
      case KithException.LOCKED -> HttpResponseStatus.LOCKED;
      case KithException.UNREACHABLE -> HttpResponseStatus.BAD_GATEWAY;
      default -> HttpResponseStatus.BAD_REQUEST;
    };
  }

  static JsonObject error(String message, int exitCode) {
    JsonObject o = new JsonObject();
    o.addProperty("error", message);
    o.addProperty("exitCode", exitCode);
    return o;
  }

  static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, JsonElement body) {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
    res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    res.headers().set("X-Content-Type-Options", "nosniff");
    if (keepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, "keep-alive");
      ctx.writeAndFlush(res);
    } else {
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      if (channel != null) {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
      workers.shutdownNow();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
  }
}
