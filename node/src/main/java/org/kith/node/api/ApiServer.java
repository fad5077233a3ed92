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
import io.netty.channel.ChannelInboundHandlerAdapter;
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
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.kith.node.base.KithException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local HTTP/JSON API of a running node (spec/API.md): bound to 127.0.0.1 only, every request carries the
 * token from the home folder, and requests whose Host is not this loopback address are refused (DNS
 * rebinding). Routes run off the event loop because they touch the vault and the model.
 *
 * <p>Nothing is buffered for a client before it has shown it may ask: {@link RequestGuard} decides on each
 * request head (Host, credentials, sizes) before any of the body is read, and only admitted requests reach the
 * aggregator. Connections, heads, bodies and the bytes buffered across connections all have a limit below.
 *
 * <p>Why one class of this size: the pipeline, authentication (token, login link, session cookies) and the
 * limits decide together on each request; routes are elsewhere ({@link Router}).
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  /**
   * A request body larger than this is refused with 413. The page's uploads are the largest bodies: it sends a
   * folder in parts of at most {@link #UPLOAD_PART_BYTES} of text and 200 files each, so one file as large as the
   * importer takes (4 MiB) fits with room for JSON escaping; a real notes folder (thousands of files, tens of MiB)
   * goes in a few dozen parts.
   */
  public static final int MAX_BODY_BYTES = 8 << 20;
  /** What the page puts in one upload at most (UTF-8 bytes of names and texts), below {@link #MAX_BODY_BYTES}. */
  public static final int UPLOAD_PART_BYTES = 6 << 20;
  /** Admitted requests waiting for a worker at most; beyond it, 503. */
  public static final int MAX_QUEUED_REQUESTS = 64;
  /** Threads that run routes: more than one, so a long ask from the page does not hold up the CLI. */
  public static final int WORKERS = 4;

  /**
   * Open connections at most; the next one is answered 503 at accept and closed without being read. Each open
   * connection may hold a request head (below) and an event-loop read buffer, so this bounds that memory.
   */
  public static final int MAX_CONNECTIONS = 64;
  /**
   * Request bodies held in memory across all connections at most, from the head that announces them until the
   * answer is written. A body that would not fit is refused with 503 before it is read.
   */
  public static final long MAX_BUFFERED_BYTES = 24L << 20;
  /** The request line ("GET /path HTTP/1.1") at most; beyond it, 414. */
  public static final int MAX_REQUEST_LINE_BYTES = 4096;
  /** All header lines of a request together at most, line breaks not counted; beyond it, 431. */
  public static final int MAX_HEADER_BYTES = 8192;
  /**
   * A request head must be complete this long after the connection opened or the previous answer was written;
   * otherwise the connection is closed. Counted from the start, not from the last byte, so a client sending a
   * byte now and then (slowloris) cannot hold a connection; it also ends idle keep-alive connections.
   */
  public static final long HEAD_TIMEOUT_MILLIS = 10_000;
  /** A body must be complete this long after its head was admitted; otherwise the connection is closed. */
  public static final long BODY_TIMEOUT_MILLIS = 30_000;

  /** The limits one server enforces; tests shrink them to reach the edges with few bytes and little waiting. */
  record Limits(int maxConnections, long maxBufferedBytes, int maxBodyBytes, long headTimeoutMillis,
      long bodyTimeoutMillis) {
    static final Limits DEFAULT = new Limits(MAX_CONNECTIONS, MAX_BUFFERED_BYTES, MAX_BODY_BYTES,
        HEAD_TIMEOUT_MILLIS, BODY_TIMEOUT_MILLIS);

    Limits {
      if (maxConnections < 1) {
        throw new IllegalArgumentException("maxConnections < 1: " + maxConnections);
      }
      if (maxBodyBytes < 0 || maxBodyBytes > maxBufferedBytes) {
        throw new IllegalArgumentException("maxBodyBytes not in [0, maxBufferedBytes = " + maxBufferedBytes + "]: "
            + maxBodyBytes);
      }
      if (headTimeoutMillis < 1 || bodyTimeoutMillis < 1) {
        throw new IllegalArgumentException("timeouts < 1 ms: head " + headTimeoutMillis + ", body "
            + bodyTimeoutMillis);
      }
    }
  }

  /** Server-sent events of the node (spec/API.md): only over HTTP, so not in the {@link Router}'s table. */
  static final String EVENTS_PATH = "/v1/events";

  /** One-time login tokens live this long; sessions until logout or until the node stops. */
  public static final long LOGIN_TOKEN_MILLIS = 10 * 60 * 1000;
  public static final int MAX_SESSIONS = 32;
  public static final int MAX_LOGIN_TOKENS = 32;
  /** Cookies are per host, not per port: two nodes on one machine each get their own cookie name. */
  static final String SESSION_COOKIE_PREFIX = "kith_session_";
  static final String STATE_HEADER = "X-Kith-Request";
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  /** The answer to a login link that was used, has expired or is wrong, in a browser without a session. */
  static final byte[] LINK_USED_PAGE = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      + "<title>Kith: login link used or expired</title></head><body>\n"
      + "<h1>This login link was already used or has expired</h1>\n"
      + "<p>Each link opens the page once, within 10 minutes. For a new one, run <code>kith ui</code> again in a"
      + " terminal, on this computer.</p>\n</body></html>\n").getBytes(StandardCharsets.UTF_8);
  private static final Map<String, String> STATIC = Map.of(
      "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/app.css", "app.css");

  private final Router router;
  private final Limits limits;
  private final byte[] token;
  private final Map<String, Long> loginTokens = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Set<String> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.security.SecureRandom random = new java.security.SecureRandom();
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ExecutorService workers = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS,
      new java.util.concurrent.ArrayBlockingQueue<>(MAX_QUEUED_REQUESTS), r -> {
        Thread t = new Thread(r, "kith-api");
        t.setDaemon(true);
        return t;
      });
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger connections = new AtomicInteger();
  private final RequestGuard.Budget budget;
  private Channel channel;
  private int port;
  /** What {@code POST /v1/stop} runs, once its answer is written; null: this server cannot stop its node. */
  private volatile Runnable onStop;

  public ApiServer(Router router, String token) {
    this(router, token, Limits.DEFAULT);
  }

  ApiServer(Router router, String token, Limits limits) {
    this.router = router;
    this.limits = limits;
    this.budget = new RequestGuard.Budget(limits.maxBufferedBytes());
    this.token = token.getBytes(StandardCharsets.US_ASCII);
  }

  public InetSocketAddress start(int wantedPort) throws IOException {
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // All connections share one event loop, so a slot freed by a close is counted before the next accept.
            ch.closeFuture().addListener(f -> connections.decrementAndGet());
            if (connections.incrementAndGet() > limits.maxConnections()) {
              ch.config().setAutoRead(false);
              ch.pipeline().addLast(new HttpResponseEncoder()).addLast(new Busy());
              return;
            }
            ch.pipeline()
                .addLast(new HttpServerCodec(new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
                    .setMaxHeaderSize(MAX_HEADER_BYTES)))
                .addLast(new RequestGuard(ApiServer.this::refuseHead, budget, limits))
                // Closes when it refuses an Expect header: the guard has admitted the head and the codec is
                // already in its body.
                .addLast(new HttpObjectAggregator(limits.maxBodyBytes(), true))
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

  /**
   * Lets {@code POST /v1/stop} stop the node: {@code stop} runs on a thread of its own after the answer is written,
   * since it closes this server and its workers.
   */
  public void onStop(Runnable stop) {
    this.onStop = stop;
  }

  /** Body bytes held across all connections now, against {@link Limits#maxBufferedBytes()}. */
  long bufferedBytes() {
    return budget.usedBytes();
  }

  /** A fresh one-time login URL for the page (valid {@link #LOGIN_TOKEN_MILLIS}); its token becomes a cookie. */
  public String loginUrl() {
    long now = router.clock().millis();
    loginTokens.values().removeIf(exp -> exp < now);
    if (loginTokens.size() >= MAX_LOGIN_TOKENS) {
      loginTokens.clear();
    }
    String t = randomToken();
    loginTokens.put(t, now + LOGIN_TOKEN_MILLIS);
    return "http://127.0.0.1:" + port + "/login?token=" + t;
  }

  private String randomToken() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  /** How a request proved itself. */
  enum Auth { NONE, BEARER, COOKIE }

  Auth auth(HttpRequest req) {
    if (authorised(req)) {
      return Auth.BEARER;
    }
    String cookie = sessionCookie(req);
    return cookie != null && sessions.contains(cookie) ? Auth.COOKIE : Auth.NONE;
  }

  String sessionCookieName() {
    return SESSION_COOKIE_PREFIX + port;
  }

  String sessionCookie(HttpRequest req) {
    String header = req.headers().get(HttpHeaderNames.COOKIE);
    if (header == null) {
      return null;
    }
    for (io.netty.handler.codec.http.cookie.Cookie c
        : io.netty.handler.codec.http.cookie.ServerCookieDecoder.STRICT.decode(header)) {
      if (c.name().equals(sessionCookieName())) {
        return c.value();
      }
    }
    return null;
  }

  /**
   * The answer that refuses a request on its head alone, or null to admit it. The guard calls it before any of
   * the body is read, so it looks at the request line and headers only. In order: Host; the page's files and the
   * login link, which need no credentials and so may carry no body; credentials; the state header for a cookie
   * session; Origin; and login links only with the API token.
   */
  FullHttpResponse refuseHead(HttpRequest head) {
    String host = head.headers().get(HttpHeaderNames.HOST, "");
    if (!host.equals("127.0.0.1:" + port) && !host.equals("localhost:" + port)) {
      return json(HttpResponseStatus.FORBIDDEN, error("this API answers only to 127.0.0.1:" + port, 1));
    }
    String path = new QueryStringDecoder(head.uri()).path();
    String method = head.method().name();
    if (method.equals("GET") && (STATIC.containsKey(path) || path.equals("/login"))) {
      // Whoever may ask without credentials gets no buffer: such a body would be read for nobody.
      boolean body = HttpUtil.isTransferEncodingChunked(head) || HttpUtil.getContentLength(head, 0L) > 0;
      return body ? json(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, error("this page takes no request body", 1))
          : null;
    }
    Auth auth = auth(head);
    if (auth == Auth.NONE) {
      return json(HttpResponseStatus.UNAUTHORIZED, error("not logged in: open the login link that "
          + "`kith start` printed, or run `kith ui` for a new one (API clients: the token is in api.token)", 1));
    }
    boolean changesState = !method.equals("GET") && !method.equals("HEAD");
    if (auth == Auth.COOKIE && changesState && !"1".equals(head.headers().get(STATE_HEADER))) {
      return json(HttpResponseStatus.FORBIDDEN,
          error("refused: a request that changes something must carry the " + STATE_HEADER + " header", 1));
    }
    String origin = head.headers().get(HttpHeaderNames.ORIGIN);
    if (origin != null && !origin.equals("http://127.0.0.1:" + port) && !origin.equals("http://localhost:" + port)) {
      return json(HttpResponseStatus.FORBIDDEN, error("refused: request from another site", 1));
    }
    if (path.equals("/v1/ui/login") && (auth != Auth.BEARER || !method.equals("POST"))) {
      return json(HttpResponseStatus.FORBIDDEN, error("login links are made with the API token", 1));
    }
    return null;
  }

  /** The answer on a connection over {@link Limits#maxConnections()}: written at accept, nothing read. */
  private static final class Busy extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      FullHttpResponse res = json(HttpResponseStatus.SERVICE_UNAVAILABLE,
          error("the node has too many open API connections; retry shortly", 1));
      res.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Serves requests that {@link RequestGuard} admitted with {@link #refuseHead}: Host and credentials are checked. */
  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      QueryStringDecoder path = new QueryStringDecoder(req.uri());
      String file = STATIC.get(path.path());
      if (file != null && req.method().name().equals("GET")) {
        sendStatic(ctx, keepAlive, file);
        return;
      }
      if (path.path().equals("/login") && req.method().name().equals("GET")) {
        login(ctx, keepAlive, path, req);
        return;
      }
      if (path.path().equals("/v1/ui/login")) {
        // refuseHead admits only a POST with the API token here.
        JsonObject o = new JsonObject();
        o.addProperty("url", loginUrl());
        send(ctx, keepAlive, HttpResponseStatus.OK, o);
        return;
      }
      if (path.path().equals("/v1/stop")) {
        stop(ctx, req);
        return;
      }
      if (path.path().equals("/v1/ui/logout") && req.method().name().equals("POST")) {
        String cookie = sessionCookie(req);
        if (cookie != null) {
          sessions.remove(cookie);
        }
        FullHttpResponse res = response(HttpResponseStatus.OK, "{\"loggedOut\":true}".getBytes(StandardCharsets.UTF_8),
            "application/json; charset=utf-8");
        res.headers().add(HttpHeaderNames.SET_COOKIE, sessionCookieName() + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
        write(ctx, keepAlive, res);
        return;
      }
      if (path.path().equals(EVENTS_PATH)) {
        if (!req.method().name().equals("GET")) {
          send(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, error("use GET on " + EVENTS_PATH, 2));
        } else {
          ApiStreams.EventStream.open(ctx, router.events());
        }
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
      ApiStreams.ProgressStream stream = ApiStreams.wantsProgress(req) ? new ApiStreams.ProgressStream(ctx, keepAlive)
          : null;
      Router.Request r = new Router.Request(req.method().name(), qs.path(), query, body == null ? new JsonObject() : body,
          stream);
      try {
        workers.execute(() -> {
          HttpResponseStatus status = HttpResponseStatus.OK;
          JsonElement out;
          try {
            out = route(r);
          } catch (KithException e) {
            status = statusOf(e);
            out = error(e.getMessage(), e.exitCode());
          } catch (RuntimeException e) {
            // A bug. Exception messages can quote input, so the log gets the type and where, never the message.
            StackTraceElement at = e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
            LOG.error("API route {} {} failed: {} at {}", r.method(), routeName(r.path()), e.getClass().getName(), at);
            status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
            out = error("internal error: " + e.getClass().getSimpleName(), 1);
          } catch (Error e) {
            // No read deadline runs while a route does: without an answer this connection, its slot and the bytes
            // of its body would be held until the client gave up.
            ctx.channel().eventLoop().execute(() -> send(ctx, false, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                error("internal error: " + e.getClass().getSimpleName(), 1)));
            throw e;
          }
          HttpResponseStatus s = status;
          JsonElement o = out;
          if (stream != null && stream.started()) {
            stream.finish(s == HttpResponseStatus.OK, o);
            return;
          }
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

  JsonElement route(Router.Request r) throws KithException {
    return router.handle(r);
  }

  /** {@code POST /v1/stop}: answers first, then stops the node (which closes this server). */
  private void stop(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (!req.method().name().equals("POST")) {
      send(ctx, false, HttpResponseStatus.METHOD_NOT_ALLOWED, error("use POST on /v1/stop, not " + req.method(),
          KithException.USAGE));
      return;
    }
    Runnable stop = onStop;
    if (stop == null) {
      send(ctx, false, HttpResponseStatus.BAD_REQUEST, error("this API server cannot stop its node", 1));
      return;
    }
    JsonObject o = new JsonObject();
    o.addProperty("stopping", true);
    FullHttpResponse res = json(HttpResponseStatus.OK, o);
    res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(res).addListener(f -> {
      ctx.close();
      Thread t = new Thread(stop, "kith-stop");
      t.start();
    });
  }

  private void login(ChannelHandlerContext ctx, boolean keepAlive, QueryStringDecoder path, HttpRequest req) {
    java.util.List<String> t = path.parameters().get("token");
    Long expires = t == null || t.isEmpty() ? null : loginTokens.remove(t.get(0));
    if (expires == null || expires < router.clock().millis()) {
      String cookie = sessionCookie(req);
      if (cookie != null && sessions.contains(cookie)) {
        // A link used before, opened again from the history or a bookmark, by a browser that is logged in.
        FullHttpResponse res = response(HttpResponseStatus.SEE_OTHER, new byte[0], "text/plain; charset=utf-8");
        res.headers().set(HttpHeaderNames.LOCATION, "/");
        write(ctx, keepAlive, res);
        return;
      }
      write(ctx, keepAlive, response(HttpResponseStatus.FORBIDDEN, LINK_USED_PAGE, "text/html; charset=utf-8"));
      return;
    }
    if (sessions.size() >= MAX_SESSIONS) {
      sessions.clear();
    }
    String session = randomToken();
    sessions.add(session);
    FullHttpResponse res = response(HttpResponseStatus.SEE_OTHER, new byte[0], "text/plain; charset=utf-8");
    res.headers().set(HttpHeaderNames.LOCATION, "/");
    res.headers().add(HttpHeaderNames.SET_COOKIE, sessionCookieName() + "=" + session + "; Path=/; HttpOnly; SameSite=Strict");
    write(ctx, keepAlive, res);
  }

  private void sendStatic(ChannelHandlerContext ctx, boolean keepAlive, String file) {
    byte[] bytes;
    try (java.io.InputStream in = ApiServer.class.getResourceAsStream("/org/kith/node/ui/" + file)) {
      if (in == null) {
        send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, error("the page is missing from this build", 1));
        return;
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      send(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, error("cannot read the page", 1));
      return;
    }
    String type = file.endsWith(".html") ? "text/html; charset=utf-8"
        : file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    write(ctx, keepAlive, response(HttpResponseStatus.OK, bytes, type));
  }

  boolean authorised(HttpRequest req) {
    String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION, "");
    if (auth.startsWith("Bearer ")) {
      return MessageDigest.isEqual(auth.substring(7).strip().getBytes(StandardCharsets.US_ASCII), token);
    }
    return false;
  }

  /** "/v1/peers/…" for "/v1/peers/Bob": ids and petnames in a path stay out of the log. */
  static String routeName(String path) {
    String[] parts = path.split("/", 4);
    return parts.length <= 3 ? path : "/" + parts[1] + "/" + parts[2] + "/…";
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
    write(ctx, keepAlive, json(status, body));
  }

  static FullHttpResponse json(HttpResponseStatus status, JsonElement body) {
    return response(status, body.toString().getBytes(StandardCharsets.UTF_8), "application/json; charset=utf-8");
  }

  /** Every answer, page or JSON, carries the same strict headers. */
  static FullHttpResponse response(HttpResponseStatus status, byte[] bytes, String type) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    strictHeaders(res.headers(), type);
    res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    return res;
  }

  /** The headers every answer carries, streamed ones too. */
  static void strictHeaders(io.netty.handler.codec.http.HttpHeaders h, String type) {
    h.set(HttpHeaderNames.CONTENT_TYPE, type);
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    h.set("Content-Security-Policy", CSP);
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-origin");
  }

  static void write(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse res) {
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
