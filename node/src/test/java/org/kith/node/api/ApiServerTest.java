package org.kith.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.base.Home;
import org.kith.node.app.KithNode;
import org.kith.node.TestModel;

/** The local API through its real HTTP server: tokens, cookies, the state-change header, Host and Origin checks. */
class ApiServerTest {
  Path tmp;
  KithNode services;
  ApiServer server;
  String token;
  int port;
  final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory("kith-api");
    Home home = new Home(tmp.resolve("home"));
    char[] pass = "api test passphrase".toCharArray();
    KithNode.Options o = KithNode.Options.of(d -> FakeEmbedder.flavour('a'))
        .withKdf(org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE);
    KithNode.init(home, pass, "Alice", o).close();
    services = KithNode.open(home, pass, o);
    services.start(new org.kith.node.peers.ListenConfig("127.0.0.1", 0));
    token = RunFiles.newToken(home);
    server = new ApiServer(new Router(services), token);
    port = server.start(0).getPort();
  }

  @AfterEach
  void tearDown() {
    server.close();
    services.close();
    TestModel.deleteTree(tmp);
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  String login() throws Exception {
    HttpResponse<String> r = send("GET", URI.create(server.loginUrl()).getRawPath() + "?" + URI.create(server.loginUrl()).getRawQuery(), null);
    assertEquals(303, r.statusCode());
    String cookie = r.headers().firstValue("set-cookie").orElseThrow();
    assertTrue(cookie.contains("HttpOnly"), cookie);
    assertTrue(cookie.contains("SameSite=Strict"), cookie);
    return cookie.substring(0, cookie.indexOf(';'));
  }

  @Test
  void bearerToken_isRequired_andEveryAnswerCarriesTheStrictHeaders() throws Exception {
    HttpResponse<String> none = send("GET", "/v1/status", null);
    assertEquals(401, none.statusCode());
    assertTrue(none.headers().firstValue("content-security-policy").orElse("").contains("default-src 'none'"));
    assertEquals(401, send("GET", "/v1/status", null, "Authorization", "Bearer " + "0".repeat(64)).statusCode());
    HttpResponse<String> ok = send("GET", "/v1/status", null, "Authorization", "Bearer " + token);
    assertEquals(200, ok.statusCode());
    JsonObject status = JsonParser.parseString(ok.body()).getAsJsonObject();
    assertTrue(status.get("running").getAsBoolean());
    assertEquals("no-store", ok.headers().firstValue("cache-control").orElse(""));
  }

  @Test
  void pair_withABadCircle_isRefusedBeforeAnything_andSharesTakeSeveralIdsOrATag() throws Exception {
    String code = JsonParser.parseString(send("POST", "/v1/invites", "{}", "Authorization", "Bearer " + token)
        .body()).getAsJsonObject().get("code").getAsString();
    HttpResponse<String> pair = send("POST", "/v1/pair", "{\"code\":\"" + code + "\",\"circle\":\" \"}",
        "Authorization", "Bearer " + token);
    assertEquals(400, pair.statusCode(), pair.body());
    assertTrue(pair.body().contains("circle"), pair.body());

    String a = JsonParser.parseString(send("POST", "/v1/notes", "{\"text\":\"Seed swap\",\"tags\":[\"garden\"]}",
        "Authorization", "Bearer " + token).body()).getAsJsonObject().get("id").getAsString();
    String b = JsonParser.parseString(send("POST", "/v1/notes", "{\"text\":\"Compost bins\",\"tags\":[\"garden\"]}",
        "Authorization", "Bearer " + token).body()).getAsJsonObject().get("id").getAsString();
    HttpResponse<String> unknown = send("POST", "/v1/shares", "{\"notes\":[\"" + a + "\",\"ffffffff\"],"
        + "\"circle\":\"friends\"}", "Authorization", "Bearer " + token);
    assertEquals(400, unknown.statusCode(), unknown.body());
    assertEquals("[]", send("GET", "/v1/shared", null, "Authorization", "Bearer " + token).body());
    HttpResponse<String> both = send("POST", "/v1/shares", "{\"notes\":[\"" + a + "\",\"" + b + "\"],"
        + "\"circle\":\"friends\"}", "Authorization", "Bearer " + token);
    assertEquals(200, both.statusCode(), both.body());
    JsonObject o = JsonParser.parseString(both.body()).getAsJsonObject();
    assertEquals(2, o.get("count").getAsInt());
    assertEquals(0, o.get("peersInCircle").getAsInt());
    HttpResponse<String> tag = send("POST", "/v1/shares", "{\"tag\":\"garden\",\"circle\":\"work\"}",
        "Authorization", "Bearer " + token);
    assertEquals(2, JsonParser.parseString(tag.body()).getAsJsonObject().getAsJsonArray("records").size());
    assertEquals(400, send("POST", "/v1/shares", "{\"tag\":\"garden\",\"note\":\"" + a + "\",\"circle\":\"w\"}",
        "Authorization", "Bearer " + token).statusCode());
  }

  @Test
  void loginLink_worksOnce_andTheCookieAuthenticates() throws Exception {
    String url = server.loginUrl();
    URI u = URI.create(url);
    HttpResponse<String> first = send("GET", u.getRawPath() + "?" + u.getRawQuery(), null);
    assertEquals(303, first.statusCode());
    HttpResponse<String> again = send("GET", u.getRawPath() + "?" + u.getRawQuery(), null);
    assertEquals(403, again.statusCode());
    assertEquals(403, send("GET", "/login?token=nope", null).statusCode());
    String cookie = first.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
    assertEquals(200, send("GET", "/v1/notes", null, "Cookie", cookie).statusCode());
  }

  @Test
  void cookieAuth_needsTheStateHeader_forChanges() throws Exception {
    String cookie = login();
    String body = "{\"text\":\"the tool shed key is with Ruth\",\"tags\":[\"tools\"]}";
    HttpResponse<String> forged = send("POST", "/v1/notes", body, "Cookie", cookie, "Content-Type", "application/json");
    assertEquals(403, forged.statusCode());
    assertTrue(forged.body().contains("X-Kith-Request"), forged.body());
    assertEquals(0, services.notes().count());
    HttpResponse<String> ok = send("POST", "/v1/notes", body, "Cookie", cookie, "X-Kith-Request", "1");
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(1, services.notes().count());
    HttpResponse<String> otherSite = send("POST", "/v1/notes", body, "Cookie", cookie, "X-Kith-Request", "1",
        "Origin", "http://evil.example");
    assertEquals(403, otherSite.statusCode());
    assertEquals(1, services.notes().count());
  }

  @Test
  void logout_forgetsTheSession() throws Exception {
    String cookie = login();
    HttpResponse<String> out = send("POST", "/v1/ui/logout", "{}", "Cookie", cookie, "X-Kith-Request", "1");
    assertEquals(200, out.statusCode());
    assertTrue(out.headers().firstValue("set-cookie").orElse("").contains("Max-Age=0"));
    assertEquals(401, send("GET", "/v1/notes", null, "Cookie", cookie).statusCode());
  }

  @Test
  void loginLinks_areMadeOnlyWithTheApiToken() throws Exception {
    String cookie = login();
    assertEquals(403, send("POST", "/v1/ui/login", "{}", "Cookie", cookie, "X-Kith-Request", "1").statusCode());
    HttpResponse<String> r = send("POST", "/v1/ui/login", "{}", "Authorization", "Bearer " + token);
    assertEquals(200, r.statusCode());
    assertTrue(JsonParser.parseString(r.body()).getAsJsonObject().get("url").getAsString()
        .startsWith("http://127.0.0.1:" + port + "/login?token="));
  }

  @Test
  void foreignHost_isRefused_evenWithTheToken() throws Exception {
    for (String host : List.of("evil.example", "evil.example:" + port, "127.0.0.1:1", "localhost")) {
      String res = raw("GET /v1/status HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
          + "\r\nConnection: close\r\n\r\n");
      assertTrue(res.startsWith("HTTP/1.1 403"), host + " -> " + res.lines().findFirst().orElse(""));
    }
    String page = raw("GET / HTTP/1.1\r\nHost: rebind.example\r\nConnection: close\r\n\r\n");
    assertTrue(page.startsWith("HTTP/1.1 403"), page);
    String ok = raw("GET /v1/status HTTP/1.1\r\nHost: localhost:" + port + "\r\nAuthorization: Bearer " + token
        + "\r\nConnection: close\r\n\r\n");
    assertTrue(ok.startsWith("HTTP/1.1 200"), ok);
  }

  @Test
  void upload_importsDocuments_idempotently_andInvitesCarryAQr() throws Exception {
    String body = "{\"files\":[{\"name\":\"garden.md\",\"text\":\"# Beans\\nSow after the frost.\\n\\n# Peas\\nNeed sticks.\"},"
        + "{\"name\":\"photo.png\",\"text\":\"x\"}]}";
    HttpResponse<String> r = send("POST", "/v1/notes/upload", body, "Authorization", "Bearer " + token);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
    assertEquals(2, o.get("notesAdded").getAsInt());
    assertEquals(1, o.getAsJsonArray("skipped").size());
    JsonObject again = JsonParser.parseString(
        send("POST", "/v1/notes/upload", body, "Authorization", "Bearer " + token).body()).getAsJsonObject();
    assertEquals(0, again.get("notesAdded").getAsInt());
    assertEquals(400, send("POST", "/v1/notes/upload", "{\"files\":[{\"name\":\"../x.md\",\"text\":\"a\"}]}",
        "Authorization", "Bearer " + token).statusCode());
    assertEquals(400, send("POST", "/v1/notes/upload", "not json", "Authorization", "Bearer " + token).statusCode());

    HttpResponse<String> inv = send("POST", "/v1/invites", "{}", "Authorization", "Bearer " + token);
    assertEquals(200, inv.statusCode(), inv.body());
    assertTrue(JsonParser.parseString(inv.body()).getAsJsonObject().get("qrSvg").getAsString().startsWith("<svg"));
  }

  @Test
  void search_andAsk_carryThePassage_itsHighlights_andNoGoodAnswer() throws Exception {
    String auth = "Bearer " + token;
    services.notes().add("Trades on our street\nMaria (no. 14): electrician. "
        + "Ahmed Rahimi (no. 22): plumber, fixed our leaking tap in an hour. Beata (no. 41): locksmith.", List.of());
    services.notes().add("Compost bins behind the hall: greens and browns.", List.of());
    HttpResponse<String> r = send("GET", "/v1/search?q=leaking%20tap%20Rahimi&k=3", null, "Authorization", auth);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
    assertFalse(o.get("noGoodAnswer").getAsBoolean());
    JsonObject top = o.getAsJsonArray("results").get(0).getAsJsonObject();
    assertEquals("Trades on our street", top.get("title").getAsString());
    String passage = top.get("passage").getAsString();
    assertEquals("…Ahmed Rahimi (no. 22): plumber, fixed our leaking tap in an hour.…", passage);
    StringBuilder marked = new StringBuilder();
    top.getAsJsonArray("highlights").forEach(h -> marked.append(passage, h.getAsJsonArray().get(0).getAsInt(),
        h.getAsJsonArray().get(1).getAsInt()).append('|'));
    assertEquals("Rahimi|leaking|tap|", marked.toString());

    JsonObject none = JsonParser.parseString(send("GET", "/v1/search?q=sourdough%20starter", null,
        "Authorization", auth).body()).getAsJsonObject();
    assertTrue(none.get("noGoodAnswer").getAsBoolean(), none.toString());
    assertEquals(0, none.getAsJsonArray("results").size());

    JsonObject asked = JsonParser.parseString(send("POST", "/v1/ask", "{\"question\":\"sourdough starter\",\"hops\":0}",
        "Authorization", auth).body()).getAsJsonObject();
    assertTrue(asked.get("noGoodAnswer").getAsBoolean(), asked.toString());
    for (String bad : List.of("/v1/search?q=", "/v1/search?q=tap&k=0", "/v1/search?q=tap&k=many")) {
      HttpResponse<String> b = send("GET", bad, null, "Authorization", auth);
      assertEquals(400, b.statusCode(), bad);
      String why = JsonParser.parseString(b.body()).getAsJsonObject().get("error").getAsString();
      assertTrue(why.contains("empty") || why.contains("-k must be") || why.contains("k must be a number"), why);
    }
  }

  @Test
  void unknownPathsAndMethods_areClearErrors() throws Exception {
    assertEquals(404, send("GET", "/v1/nothing", null, "Authorization", "Bearer " + token).statusCode());
    assertEquals(405, send("DELETE", "/v1/status", null, "Authorization", "Bearer " + token).statusCode());
    HttpResponse<String> bad = send("GET", "/v1/notes/zz", null, "Authorization", "Bearer " + token);
    assertEquals(400, bad.statusCode());
    assertFalse(JsonParser.parseString(bad.body()).getAsJsonObject().get("error").getAsString().isEmpty());
  }

  String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
