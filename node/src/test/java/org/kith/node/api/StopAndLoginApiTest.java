package org.kith.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;
import org.kith.node.MutableClock;
import org.kith.node.TestModel;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.model.FakeEmbedder;

/** {@code POST /v1/stop}, and login links opened again, over the real HTTP server. */
class StopAndLoginApiTest {
  Path tmp;
  KithNode services;
  ApiServer server;
  String token;
  int port;
  final MutableClock clock = MutableClock.now();
  final CountDownLatch stopped = new CountDownLatch(1);
  final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory("kith-stop");
    Home home = new Home(tmp.resolve("home"));
    char[] pass = "api test passphrase".toCharArray();
    KithNode.Options o = KithNode.Options.of(d -> FakeEmbedder.flavour('a')).withClock(clock)
        .withKdf(org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE);
    KithNode.init(home, pass, "Alice", o).close();
    services = KithNode.open(home, pass, o);
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

  HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String pathOf(String url) {
    URI u = URI.create(url);
    return u.getRawPath() + "?" + u.getRawQuery();
  }

  String login(String link) throws Exception {
    HttpResponse<String> r = send("GET", pathOf(link));
    assertEquals(303, r.statusCode());
    String cookie = r.headers().firstValue("set-cookie").orElseThrow();
    return cookie.substring(0, cookie.indexOf(';'));
  }

  @Test
  void stop_needsCredentials_andThePageNeedsTheStateHeader() throws Exception {
    server.onStop(stopped::countDown);
    assertEquals(401, send("POST", "/v1/stop").statusCode());
    String cookie = login(server.loginUrl());
    assertEquals(403, send("POST", "/v1/stop", "Cookie", cookie).statusCode());
    assertEquals(405, send("GET", "/v1/stop", "Authorization", "Bearer " + token).statusCode());
    assertEquals(1, stopped.getCount());
  }

  @Test
  void stop_answersFirst_thenStopsTheNode() throws Exception {
    server.onStop(() -> {
      server.close();
      stopped.countDown();
    });
    HttpResponse<String> r = send("POST", "/v1/stop", "Authorization", "Bearer " + token);
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"stopping\":true"), r.body());
    assertTrue(stopped.await(MiniCluster.AWAIT_LIMIT.toSeconds(), TimeUnit.SECONDS));
  }

  @Test
  void stop_onAServerThatCannotStopItsNode_isAClearError() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/stop", "Authorization", "Bearer " + token);
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("cannot stop"), r.body());
  }

  @Test
  void usedLink_inALoggedInBrowser_goesToThePage() throws Exception {
    String link = server.loginUrl();
    String cookie = login(link);
    HttpResponse<String> again = send("GET", pathOf(link), "Cookie", cookie);
    assertEquals(303, again.statusCode());
    assertEquals("/", again.headers().firstValue("location").orElse(""));
    assertFalse(again.headers().firstValue("set-cookie").isPresent());
    assertEquals(200, send("GET", "/v1/notes", "Cookie", cookie).statusCode());
  }

  @Test
  void usedLink_withoutASession_showsAPageThatSaysToRunKithUi() throws Exception {
    String link = server.loginUrl();
    login(link);
    for (String[] headers : new String[][] {{}, {"Cookie", ApiServer.SESSION_COOKIE_PREFIX + port + "=" + "0".repeat(64)}}) {
      HttpResponse<String> r = send("GET", pathOf(link), headers);
      assertEquals(403, r.statusCode());
      assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/html"), r.headers().toString());
      assertTrue(r.body().contains("already used or has expired"), r.body());
      assertTrue(r.body().contains("kith ui"), r.body());
      assertTrue(r.headers().firstValue("content-security-policy").orElse("").contains("default-src 'none'"));
    }
  }

  @Test
  void expiredLink_goesToThePage_withASession_andSaysExpired_without() throws Exception {
    String cookie = login(server.loginUrl());
    String stale = server.loginUrl();
    String stale2 = server.loginUrl();
    clock.advance(Duration.ofMillis(ApiServer.LOGIN_TOKEN_MILLIS + 1));
    HttpResponse<String> withSession = send("GET", pathOf(stale), "Cookie", cookie);
    assertEquals(303, withSession.statusCode());
    assertEquals("/", withSession.headers().firstValue("location").orElse(""));
    HttpResponse<String> without = send("GET", pathOf(stale2));
    assertEquals(403, without.statusCode());
    assertTrue(without.body().contains("run <code>kith ui</code> again"), without.body());
  }
}
