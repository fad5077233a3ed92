package org.kith.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;
import org.kith.node.TestModel;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.events.EventBus;
import org.kith.node.events.NodeEvent;
import org.kith.node.model.FakeEmbedder;

/** Streamed answers over the real HTTP server: the page's event stream and an import's progress (issue 12). */
class ApiStreamTest {
  /** A safety net against a hang, not a timing assertion. */
  static final long WAIT_SECONDS = MiniCluster.AWAIT_LIMIT.toSeconds();
  static final String END = "<end of stream>";
  Path tmp;
  KithNode services;
  ApiServer server;
  String token;
  int port;
  final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory("kith-stream");
    Home home = new Home(tmp.resolve("home"));
    char[] pass = "stream test passphrase".toCharArray();
    KithNode.Options o = KithNode.Options.of(d -> FakeEmbedder.flavour('a'))
        .withKdf(org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE);
    KithNode.init(home, pass, "Alice", o).close();
    services = KithNode.open(home, pass, o);
    token = RunFiles.newToken(home);
    server = new ApiServer(new Router(services), token);
    port = server.start(0).getPort();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
    server.close();
    services.close();
    TestModel.deleteTree(tmp);
  }

  String login() throws Exception {
    URI u = URI.create(server.loginUrl());
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + u.getRawPath()
        + "?" + u.getRawQuery())).build(), HttpResponse.BodyHandlers.ofString());
    String cookie = r.headers().firstValue("set-cookie").orElseThrow();
    return cookie.substring(0, cookie.indexOf(';'));
  }

  /** A GET over a raw socket whose answer's lines (head and body as they come) are queued by a reader thread. */
  BlockingQueue<String> stream(String path, String auth) throws Exception {
    Socket s = new Socket("127.0.0.1", port);
    sockets.add(s);
    OutputStream out = s.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + auth + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
        String l;
        while ((l = in.readLine()) != null) {
          lines.add(l);
        }
      } catch (java.io.IOException e) {
        // closed by the test
      }
      lines.add(END);
    }, "stream-reader");
    t.setDaemon(true);
    t.start();
    return lines;
  }

  /** Takes lines until one contains {@code want}; fails at the end of the stream. */
  static String await(BlockingQueue<String> lines, String want) throws Exception {
    while (true) {
      String l = lines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertNotNull(l, "timed out waiting for " + want);
      if (l.contains(want)) {
        return l;
      }
      if (l.equals(END)) {
        throw new AssertionError("the stream ended before " + want);
      }
    }
  }

  @Test
  void events_reachALoggedInPage_withKeepAlives_andEndWhenTheNodeStops() throws Exception {
    BlockingQueue<String> refused = stream("/v1/events", "X-Nothing: 1");
    assertTrue(await(refused, "HTTP/1.1").contains("401"));

    BlockingQueue<String> lines = stream("/v1/events", "Cookie: " + login());
    assertTrue(await(lines, "HTTP/1.1").contains("200"));
    assertTrue(await(lines, "content-type").contains("text/event-stream"));
    await(lines, ": connected");
    MiniCluster.await("the listener", () -> services.events().listeners() == 1);

    services.events().publish(NodeEvent.of(NodeEvent.INBOX_CHANGED, "unread", 2, "entries", 3));
    await(lines, "event: inbox-changed");
    JsonObject data = JsonParser.parseString(await(lines, "data: ").substring(6)).getAsJsonObject();
    assertEquals(2, data.get("unread").getAsInt());
    assertEquals(3, data.get("entries").getAsInt());

    services.events().keepAlive(); // what the node's scheduler does every 15 s
    await(lines, ": keep-alive");

    services.events().close(); // the node stops
    await(lines, END);
    MiniCluster.await("the listener to leave", () -> services.events().listeners() == 0);
  }

  @Test
  void anEventStream_outlivesTheHeadDeadline_thatClosesAnIdleConnection() throws Exception {
    server.close();
    server = new ApiServer(new Router(services), token, new ApiServer.Limits(ApiServer.MAX_CONNECTIONS,
        ApiServer.MAX_BUFFERED_BYTES, ApiServer.MAX_BODY_BYTES, 300, ApiServer.BODY_TIMEOUT_MILLIS));
    port = server.start(0).getPort();
    BlockingQueue<String> lines = stream("/v1/events", "Authorization: Bearer " + token);
    await(lines, ": connected");
    // The witness: a connection that sends nothing is closed once the head deadline passes (no answer, no sleep).
    Socket idle = new Socket("127.0.0.1", port);
    sockets.add(idle);
    assertEquals(-1, idle.getInputStream().read(), "the idle connection was closed by the head deadline");
    services.events().publish(NodeEvent.of(NodeEvent.RECORD_ARRIVED, "count", 1));
    await(lines, "event: record-arrived");
    assertEquals("data: {\"count\":1}", lines.poll(WAIT_SECONDS, TimeUnit.SECONDS));
  }

  @Test
  void eventStreams_areBounded_andTheOneTooManyIsToldWhy() throws Exception {
    for (int i = 0; i < EventBus.MAX_LISTENERS; i++) {
      await(stream("/v1/events", "Authorization: Bearer " + token), ": connected");
    }
    BlockingQueue<String> one = stream("/v1/events", "Authorization: Bearer " + token);
    assertTrue(await(one, "HTTP/1.1").contains("503"));
    assertTrue(await(one, "too many live event streams").contains("close another page tab"));
    // The API itself still answers.
    assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/status"))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  void importProgress_isStreamedAsJsonLines_thenTheResult_andTheConnectionServesTheNextRequest() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("notes"));
    for (int i = 0; i < 250; i++) {
      Files.writeString(dir.resolve("n" + i + ".md"), "Note number " + i + " about bicycles");
    }
    ApiClient client = new ApiClient(port, token);
    JsonObject body = new JsonObject();
    body.add("paths", Json.strings(List.of(dir.toString())));
    List<JsonObject> reports = new ArrayList<>();
    JsonObject result = client.call("POST", "/v1/notes/import", java.util.Map.of(), body,
        java.time.Duration.ofMinutes(5), reports::add).getAsJsonObject();
    assertEquals(250, result.get("files").getAsInt());
    assertEquals(250, result.get("imported").getAsInt(), "new files count as imported (updated counts changed ones)");
    assertEquals(0, reports.get(0).get("done").getAsInt());
    assertEquals(250, reports.get(reports.size() - 1).get("done").getAsInt());
    assertTrue(reports.size() >= 3 && reports.size() <= 101, "one report per percent at most: " + reports.size());
    for (int i = 1; i < reports.size(); i++) {
      assertTrue(reports.get(i).get("done").getAsInt() > reports.get(i - 1).get("done").getAsInt());
      assertEquals(250, reports.get(i).get("total").getAsInt());
    }
    assertEquals(0, server.bufferedBytes());

    // Raw: the head says NDJSON, each line is one object; the same connection then answers the next request.
    Socket s = new Socket("127.0.0.1", port);
    sockets.add(s);
    String json = body.toString();
    OutputStream out = s.getOutputStream();
    out.write(("POST /v1/notes/import HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
        + "\r\nAccept: application/x-ndjson\r\nContent-Type: application/json\r\nContent-Length: "
        + json.length() + "\r\n\r\n" + json).getBytes(StandardCharsets.UTF_8));
    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    List<String> all = new ArrayList<>();
    String l;
    while ((l = in.readLine()) != null && !l.equals("0")) { // "0": the last chunk
      all.add(l);
    }
    String text = String.join("\n", all);
    assertTrue(text.contains("application/x-ndjson"), text);
    assertTrue(text.contains("{\"progress\":{\"done\":0,\"total\":250}}"), text);
    assertTrue(text.contains("{\"result\":{\"files\":250,") && text.contains("\"unchanged\":250,"), text);
    out.write(("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    in.readLine(); // the empty line after the last chunk
    assertEquals("HTTP/1.1 200 OK", in.readLine());
  }

  @Test
  void aStreamedRouteRefusedBeforeItStarts_answersWithItsStatusAndOneObject() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/v1/notes/import")).header("Authorization", "Bearer " + token).header("Accept", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofString("{\"paths\":[\"" + tmp.resolve("nowhere") + "\"]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("no such file or folder"), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
    assertEquals(0, services.notes().count());
  }
}
