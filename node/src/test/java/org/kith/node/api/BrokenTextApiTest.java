package org.kith.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.base.Home;
import org.kith.node.app.KithNode;
import org.kith.node.TestModel;

/**
 * A JSON {@code "\ud800"} decodes to a lone surrogate, which UTF-8 cannot encode: the vault would have stored
 * {@code ?}. Through the real HTTP server, such text is refused with its position and nothing is stored.
 */
class BrokenTextApiTest {
  Path tmp;
  KithNode services;
  ApiServer server;
  String token;
  int port;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory("kith-broken-text");
    Home home = new Home(tmp.resolve("home"));
    char[] pass = "broken text passphrase".toCharArray();
    KithNode.Options o = KithNode.Options.of(d -> FakeEmbedder.flavour('a'))
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

  /** The body is sent as written: {@code \}{@code ud800} in it is a JSON escape, as a browser would send it. */
  HttpResponse<String> send(String method, String path, String json) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").build();
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  static JsonObject refused(HttpResponse<String> r) {
    assertEquals(400, r.statusCode(), r.body());
    JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
    assertEquals(1, o.get("exitCode").getAsInt(), r.body());
    return o;
  }

  @Test
  void note_withALoneSurrogate_isRefusedWithItsPosition_andNothingIsStored() throws Exception {
    JsonObject e = refused(send("POST", "/v1/notes", "{\"text\":\"ab\\ud800cd\"}"));
    assertEquals("the note text has a broken character (a lone UTF-16 surrogate) at position 3; nothing was added",
        e.get("error").getAsString());
    // The position is in the text as sent, before stripping; a pair before it counts as one character.
    e = refused(send("POST", "/v1/notes", "{\"text\":\"  \\ud83d\\udeb2 \\udc00\"}"));
    assertTrue(e.get("error").getAsString().contains("at position 5;"), e.toString());
    e = refused(send("POST", "/v1/notes", "{\"text\":\"fine text\",\"tags\":[\"ok\",\"x\\ud800\"]}"));
    assertEquals("the tag has a broken character (a lone UTF-16 surrogate) at position 2; nothing was added",
        e.get("error").getAsString());
    assertEquals(0, services.notes().count());
    assertEquals(0, JsonParser.parseString(send("GET", "/v1/notes", null).body()).getAsJsonArray().size());
  }

  @Test
  void wellFormedText_withPairs_isStoredExactly() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/notes", "{\"text\":\"bike \\ud83d\\udeb2 and \\ud834\\udd1e\"}");
    assertEquals(200, r.statusCode(), r.body());
    String id = JsonParser.parseString(r.body()).getAsJsonObject().get("id").getAsString();
    JsonObject shown = JsonParser.parseString(send("GET", "/v1/notes/" + id, null).body()).getAsJsonObject();
    assertEquals("bike 🚲 and 𝄞", shown.get("text").getAsString());
  }

  @Test
  void offerNeedAndQuestion_withALoneSurrogate_areRefused_andNothingIsShared() throws Exception {
    JsonObject e = refused(send("POST", "/v1/offers", "{\"text\":\"a ladder \\udfff\",\"circle\":\"friends\"}"));
    assertEquals("the offer has a broken character (a lone UTF-16 surrogate) at position 10; nothing was shared",
        e.get("error").getAsString());
    e = refused(send("POST", "/v1/needs", "{\"text\":\"\\ud800help\",\"circle\":\"friends\"}"));
    assertTrue(e.get("error").getAsString().startsWith("the need has a broken character"), e.toString());
    assertEquals(0, JsonParser.parseString(send("GET", "/v1/shared", null).body()).getAsJsonArray().size());
    e = refused(send("POST", "/v1/ask", "{\"question\":\"where\\ud800\",\"hops\":0}"));
    assertEquals("the question has a broken character (a lone UTF-16 surrogate) at position 6; nothing was asked",
        e.get("error").getAsString());
  }

  @Test
  void upload_withALoneSurrogate_skipsThatFile_likeAFileThatIsNotUtf8() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/notes/upload", "{\"files\":["
        + "{\"name\":\"good.md\",\"text\":\"Ladders live in the shed\"},"
        + "{\"name\":\"bad.md\",\"text\":\"broken \\ud800 here\"}]}");
    assertEquals(200, r.statusCode(), r.body());
    JsonArray skipped = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("skipped");
    assertEquals(1, skipped.size(), r.body());
    assertEquals("bad.md: not UTF-8 text (a lone UTF-16 surrogate at position 8)", skipped.get(0).getAsString());
    assertEquals(1, services.notes().count());
  }
}
