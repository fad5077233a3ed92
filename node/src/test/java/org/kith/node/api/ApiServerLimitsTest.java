package org.kith.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kith.node.TestModel;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.model.FakeEmbedder;

/**
 * The local API against hostile clients, over real loopback sockets: what is refused on its head before any
 * body is sent, what the codec rejects, and the caps on connections and buffered bytes (issue 10, item 4).
 * Every wait is a blocking read for the server's answer or its close; the socket timeout is only a safety net
 * that turns "the server never answered" into a failure.
 */
class ApiServerLimitsTest {
  /** Safety net on every blocking read: long enough for a loaded machine, short enough to fail a hung test. */
  static final int SAFETY_TIMEOUT_MILLIS = 10_000;

  Path tmp;
  KithNode services;
  ApiServer server;
  String token;
  int port;
  final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory("kith-api-limits");
    Home home = new Home(tmp.resolve("home"));
    char[] pass = "api limits passphrase".toCharArray();
    KithNode.Options o = KithNode.Options.of(d -> FakeEmbedder.flavour('a'))
        .withKdf(org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE);
    KithNode.init(home, pass, "Alice", o).close();
    services = KithNode.open(home, pass, o);
    token = RunFiles.newToken(home);
  }

  @AfterEach
  void tearDown() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
    if (server != null) {
      server.close();
    }
    services.close();
    TestModel.deleteTree(tmp);
  }

  void start(ApiServer.Limits limits) throws IOException {
    server = new ApiServer(new Router(services), token, limits);
    port = server.start(0).getPort();
  }

  static ApiServer.Limits limits(int maxConnections, long maxBufferedBytes, int maxBodyBytes, long headTimeoutMillis) {
    return new ApiServer.Limits(maxConnections, maxBufferedBytes, maxBodyBytes, headTimeoutMillis,
        ApiServer.BODY_TIMEOUT_MILLIS);
  }

  // ---- refused on the head ----

  static Stream<Arguments> refusedHeads() {
    // {name, status, extra header lines (HOST and TOKEN replaced per server), path}
    return Stream.of(
        Arguments.of("no token", 401, List.of("Host: HOST"), "/v1/notes/upload"),
        Arguments.of("wrong token", 401, List.of("Host: HOST", "Authorization: Bearer " + "0".repeat(64)),
            "/v1/notes/upload"),
        Arguments.of("foreign Host, right token", 403, List.of("Host: rebind.example", "Authorization: Bearer TOKEN"),
            "/v1/notes/upload"),
        Arguments.of("no Host, right token", 403, List.of("Authorization: Bearer TOKEN"), "/v1/notes/upload"),
        Arguments.of("cookie without the state header", 403, List.of("Host: HOST", "Cookie: COOKIE"),
            "/v1/notes/upload"),
        Arguments.of("cookie from another Origin", 403,
            List.of("Host: HOST", "Cookie: COOKIE", "X-Kith-Request: 1", "Origin: http://evil.example"),
            "/v1/notes/upload"),
        Arguments.of("cookie minting a login link", 403, List.of("Host: HOST", "Cookie: COOKIE", "X-Kith-Request: 1"),
            "/v1/ui/login"),
        Arguments.of("a page file with a body", 413, List.of("Host: HOST"), "/index.html"),
        Arguments.of("the login link with a body", 413, List.of("Host: HOST"), "/login?token=nope"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("refusedHeads")
  void refusedRequest_isAnsweredOnItsHead_beforeAnyBodyIsSent_andClosed(String name, int status, List<String> lines,
      String path) throws Exception {
    start(ApiServer.Limits.DEFAULT);
    String cookie = lines.stream().anyMatch(l -> l.contains("COOKIE")) ? login() : "";
    List<String> headers = new ArrayList<>();
    for (String l : lines) {
      headers.add(l.replace("HOST", "127.0.0.1:" + port).replace("TOKEN", token).replace("COOKIE", cookie));
    }
    headers.add("Content-Type: application/json");
    headers.add("Content-Length: " + ApiServer.MAX_BODY_BYTES);
    String method = path.startsWith("/v1/") ? "POST" : "GET";
    Socket s = open();
    // Only the head goes out; a server that waits for the body never answers and the read times out.
    write(s, method + " " + path + " HTTP/1.1\r\n" + String.join("\r\n", headers) + "\r\n\r\n");
    Response r = read(s);
    assertEquals(status, r.status(), name + ": " + r.body());
    assertEquals("close", r.header("connection"), name);
    assertTrue(closedByServer(s), name + ": the connection stays open after a refusal");
    assertEquals(0, server.bufferedBytes(), name);
    assertEquals(0, services.notes().count());
    assertEquals(200, exchange(get("/v1/status", "Authorization: Bearer " + token)).status(),
        "a good request after the refusal");
  }

  @Test
  void bodyOverTheLimit_is413_onItsHead() throws Exception {
    start(ApiServer.Limits.DEFAULT);
    Socket s = open();
    write(s, "POST /v1/notes/upload HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
        + "\r\nContent-Length: " + (ApiServer.MAX_BODY_BYTES + 1) + "\r\n\r\n");
    Response r = read(s);
    assertEquals(413, r.status(), r.body());
    assertTrue(r.body().contains("larger than 8 MiB, the limit for one request"), r.body());
    assertTrue(closedByServer(s));
  }

  // ---- the codec's limits and failures ----

  @Test
  void headersOverTheLimit_are431_andNoRouteRuns() throws Exception {
    start(ApiServer.Limits.DEFAULT);
    // Host and token come first, so a server that routes the headers parsed so far would answer 200.
    Response r = exchange("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
        + "\r\nAccept: */*\r\nX-Pad: " + "a".repeat(ApiServer.MAX_HEADER_BYTES) + "\r\n\r\n");
    assertEquals(431, r.status(), r.body());
    assertFalse(r.body().contains("running"), r.body());
  }

  @Test
  void headersAtTheLimit_areServed_oneByteMore_is431() throws Exception {
    start(ApiServer.Limits.DEFAULT);
    for (int extra : new int[] {0, 1}) {
      // The limit counts the bytes of all header lines without their line breaks.
      String host = "Host: 127.0.0.1:" + port;
      String auth = "Authorization: Bearer " + token;
      String padName = "X-Pad: ";
      String pad = "a".repeat(ApiServer.MAX_HEADER_BYTES - host.length() - auth.length() - padName.length() + extra);
      Response r = exchange("GET /v1/status HTTP/1.1\r\n" + host + "\r\n" + auth + "\r\n" + padName + pad + "\r\n\r\n");
      assertEquals(extra == 0 ? 200 : 431, r.status(), "limit + " + extra + ": " + r.body());
    }
  }

  @Test
  void requestLineAtTheLimit_isServed_oneByteMore_is414() throws Exception {
    start(ApiServer.Limits.DEFAULT);
    for (int extra : new int[] {0, 1}) {
      String prefix = "GET /v1/notes?tag=";
      String suffix = " HTTP/1.1";
      String line = prefix + "a".repeat(ApiServer.MAX_REQUEST_LINE_BYTES - prefix.length() - suffix.length() + extra)
          + suffix;
      Response r = exchange(line + "\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token + "\r\n\r\n");
      assertEquals(extra == 0 ? 200 : 414, r.status(), "limit + " + extra + ": " + r.body());
    }
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("no HTTP version", "GET /v1/status\r\nHost: HOST\r\nAuthorization: Bearer TOKEN\r\n\r\n"),
        Arguments.of("not HTTP at all", "HELLO\r\n\r\n"),
        Arguments.of("control character in the method", "G\u0001T /v1/status HTTP/1.1\r\nHost: HOST\r\n\r\n"),
        Arguments.of("Content-Length not a number",
            "GET /v1/status HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer TOKEN\r\nContent-Length: twelve\r\n\r\n"),
        Arguments.of("two Content-Lengths",
            "GET /v1/status HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer TOKEN\r\nContent-Length: 1\r\n"
                + "Content-Length: 2\r\n\r\n"),
        Arguments.of("header without a colon",
            "GET /v1/status HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer TOKEN\r\nAccept: */*\r\nno colon\r\n\r\n"),
        Arguments.of("bad chunk size",
            "POST /v1/notes HTTP/1.1\r\nHost: HOST\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedRequest_is400_andNoRouteRuns(String name, String request) throws Exception {
    start(ApiServer.Limits.DEFAULT);
    Response r = exchange(request.replace("HOST", "127.0.0.1:" + port).replace("TOKEN", token));
    assertEquals(400, r.status(), name + ": " + r.body());
    assertFalse(r.body().contains("running"), r.body());
    assertEquals(0, services.notes().count());
  }

  // ---- slow clients ----

  @Test
  void headTricklingIn_isCutAtTheHeadDeadline_notKeptAliveByEachByte() throws Exception {
    long headTimeoutMillis = 300;
    start(limits(4, ApiServer.MAX_BUFFERED_BYTES, ApiServer.MAX_BODY_BYTES, headTimeoutMillis));
    Socket s = open();
    InputStream in = s.getInputStream();
    // A head that never ends. Between bytes the client waits for the server instead of sleeping: a read with a
    // short timeout either sees the close (the event awaited) or times out, and then the next byte goes out.
    byte[] head = ("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + "X-Slow: 1\r\n".repeat(40))
        .getBytes(StandardCharsets.US_ASCII);
    s.setSoTimeout(50);
    for (int sent = 0; sent < head.length; sent++) {
      try {
        s.getOutputStream().write(head[sent]);
        s.getOutputStream().flush();
      } catch (IOException e) {
        return; // the server closed the connection: what this test waits for
      }
      try {
        int b = in.read();
        assertEquals(-1, b, "the server answered a head that never ended");
        assertTrue(sent < head.length, "closed at byte " + sent);
        return;
      } catch (SocketTimeoutException stillOpen) {
        // go on trickling
      }
    }
    fail("the server still reads a head trickling in after " + head.length + " bytes, one per read timeout");
  }

  // ---- caps across connections ----

  @Test
  void connectionsBeyondTheCap_areRefusedAtAccept_earlierOnesStayOpen_andSlotsComeBack() throws Exception {
    int cap = 4;
    start(limits(cap, ApiServer.MAX_BUFFERED_BYTES, ApiServer.MAX_BODY_BYTES, 60_000));
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < cap; i++) {
      Socket s = open();
      // An answer on each proves the server has accepted and counted it before the next one connects.
      write(s, get("/v1/status", "Authorization: Bearer " + token));
      assertEquals(200, read(s).status());
      held.add(s);
    }
    Socket over = open();
    // Nothing is sent on this one: the answer comes at accept.
    Response busy = read(over);
    assertEquals(503, busy.status(), busy.body());
    assertEquals("close", busy.header("connection"));
    assertTrue(closedByServer(over));

    write(held.get(0), get("/v1/status", "Authorization: Bearer " + token));
    assertEquals(200, read(held.get(0)).status(), "an earlier connection still works");

    for (Socket s : held) {
      // The server closes these itself, so each slot is free by the time the client sees the close.
      write(s, get("/v1/status", "Authorization: Bearer " + token, "Connection: close"));
      assertEquals(200, read(s).status());
      assertTrue(closedByServer(s));
    }
    assertEquals(200, exchange(get("/v1/status", "Authorization: Bearer " + token)).status());
  }

  @Test
  void bufferedBodies_areBoundedAcrossConnections_theNextIsRefusedNotBuffered() throws Exception {
    int maxBody = 64 << 10;
    start(limits(8, 2L * maxBody, maxBody, 60_000));
    String body = paddedUpload(maxBody);
    String head = "POST /v1/notes/upload HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
        + "\r\nContent-Type: application/json\r\nContent-Length: " + maxBody + "\r\n";
    List<Socket> holders = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Socket s = open();
      // "100 Continue" is the server's word that it admitted the head and set the body's bytes aside.
      write(s, head + "Expect: 100-continue\r\n\r\n");
      assertEquals(100, read(s).status());
      write(s, body.substring(0, 1024));
      holders.add(s);
    }
    Socket third = open();
    write(third, head + "\r\n");
    Response refused = read(third);
    assertEquals(503, refused.status(), refused.body());
    assertTrue(closedByServer(third));

    write(holders.get(0), body.substring(1024));
    Response done = read(holders.get(0));
    assertEquals(200, done.status(), "a held body completes: " + done.body());
    // Its bytes were given back when its answer was written, so a new one fits.
    Socket again = open();
    write(again, head + "Expect: 100-continue\r\n\r\n");
    assertEquals(100, read(again).status());
    write(again, body);
    assertEquals(200, read(again).status());
    write(holders.get(1), body.substring(1024));
    assertEquals(200, read(holders.get(1)).status());
    // Given back when each answer was written, which is before the client could read it.
    assertEquals(0, server.bufferedBytes());
  }

  @Test
  void chunkedBodies_countAsTheyArrive() throws Exception {
    int maxBody = 64 << 10;
    int left = 32 << 10;
    start(limits(8, maxBody + left, maxBody, 60_000));
    String fixed = "POST /v1/notes/upload HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
        + "\r\nContent-Type: application/json\r\n";
    Socket holder = open();
    write(holder, fixed + "Content-Length: " + maxBody + "\r\nExpect: 100-continue\r\n\r\n");
    assertEquals(100, read(holder).status());

    Socket chunked = open();
    write(chunked, fixed + "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
    assertEquals(100, read(chunked).status());
    // One byte more than is left: the last byte sent is the one that does not fit.
    write(chunked, Integer.toHexString(left + 1) + "\r\n" + " ".repeat(left + 1));
    Response r = read(chunked);
    assertEquals(503, r.status(), r.body());
    assertTrue(closedByServer(chunked));

    write(holder, paddedUpload(maxBody));
    assertEquals(200, read(holder).status());
    assertEquals(0, server.bufferedBytes());
  }

  @Test
  void chunkedBodyOverTheLimit_is413() throws Exception {
    int maxBody = 64 << 10;
    start(limits(8, 4L * maxBody, maxBody, 60_000));
    Socket s = open();
    write(s, "POST /v1/notes/upload HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
        + "\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(maxBody + 1) + "\r\n"
        + " ".repeat(maxBody + 1));
    Response r = read(s);
    assertEquals(413, r.status(), r.body());
    assertTrue(r.body().contains("larger than 65536 bytes, the limit for one request"), r.body());
    assertTrue(closedByServer(s));
  }

  // ---- helpers ----

  /** An upload the route skips (not a text file), padded with JSON whitespace to exactly n bytes. */
  static String paddedUpload(int n) {
    String json = "{\"files\":[{\"name\":\"pad.png\",\"text\":\"\"}]}";
    return json + " ".repeat(n - json.length());
  }

  String login() throws Exception {
    URI u = URI.create(server.loginUrl());
    Response r = exchange(get(u.getRawPath() + "?" + u.getRawQuery()));
    assertEquals(303, r.status());
    String setCookie = r.header("set-cookie");
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  String get(String path, String... headers) {
    StringBuilder b = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
    for (String h : headers) {
      b.append(h).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  Socket open() throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(SAFETY_TIMEOUT_MILLIS);
    sockets.add(s);
    return s;
  }

  /** One request on a fresh connection, one answer. */
  Response exchange(String request) throws IOException {
    Socket s = open();
    write(s, request);
    return read(s);
  }

  static void write(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  /** True when the server closed the connection: the next read sees the end of the stream. */
  static boolean closedByServer(Socket s) throws IOException {
    try {
      return s.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** Reads one response: head byte by byte (so nothing after it is consumed), then Content-Length bytes. */
  static Response read(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b == -1) {
        throw new IOException("connection closed after " + head.size() + " bytes of a response head: " + head);
      }
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        break;
      }
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ", 3)[1]);
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.merge(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip(),
          (a, b) -> a + ", " + b);
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new IOException("connection closed after " + body.length + " of " + length + " body bytes");
    }
    String text = new String(body, StandardCharsets.UTF_8);
    if (status >= 400 && text.startsWith("{")) {
      // Every refusal is the API's error document.
      assertTrue(JsonParser.parseString(text).getAsJsonObject().has("error"), text);
    }
    return new Response(status, headers, text);
  }
}
