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
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MutableClock;
import org.kith.node.TestModel;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.model.FakeEmbedder;

/** {@code PATCH /v1/notes/{id}} through the real HTTP server: edits keep the id, re-embed, and bad input changes nothing. */
class NoteEditApiTest {
  Path tmp;
  KithNode services;
  ApiServer server;
  String token;
  int port;
  final MutableClock clock = MutableClock.now();
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory("kith-note-edit");
    Home home = new Home(tmp.resolve("home"));
    char[] pass = "note edit passphrase".toCharArray();
    KithNode.Options o = KithNode.Options.of(d -> new FakeEmbedder()).withClock(clock)
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

  HttpResponse<String> send(String method, String path, String json) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").build();
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  JsonObject ok(String method, String path, String json) throws Exception {
    HttpResponse<String> r = send(method, path, json);
    assertEquals(200, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  String refused(String path, String json) throws Exception {
    HttpResponse<String> r = send("PATCH", path, json);
    assertEquals(400, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString();
  }

  JsonArray search(String q) throws Exception {
    HttpResponse<String> r = send("GET", "/v1/search?q=" + java.net.URLEncoder.encode(q, "UTF-8") + "&k=1", null);
    return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("results");
  }

  @Test
  void patch_replacesTextAndTags_keepsIdAndCreatedAt_setsUpdatedAt_andReEmbeds() throws Exception {
    JsonObject n = ok("POST", "/v1/notes", "{\"text\":\"rye bread from the mill bakery\",\"tags\":[\"food\"]}");
    String id = n.get("id").getAsString();
    ok("POST", "/v1/notes", "{\"text\":\"puncture patch kit and glue\"}");
    assertEquals(n.get("createdAt"), n.get("updatedAt"), "a new note was never edited");
    clock.advance(Duration.ofMinutes(5));

    JsonObject e = ok("PATCH", "/v1/notes/" + id.substring(0, 4),
        "{\"text\":\"  lawn mower and hedge trimmer to lend  \",\"tags\":[\"#Garden\"]}");
    assertEquals(id, e.get("id").getAsString());
    assertEquals("lawn mower and hedge trimmer to lend", e.get("text").getAsString());
    assertEquals("lawn mower and hedge trimmer to lend", e.get("title").getAsString());
    assertEquals("[\"garden\"]", e.get("tags").toString());
    assertEquals(n.get("createdAt"), e.get("createdAt"));
    assertEquals(clock.instant().toString(), e.get("updatedAt").getAsString());
    assertEquals(0, e.remove("sharesResigned").getAsInt(), "the note was not shared: no share to sign again");
    assertEquals(0, e.remove("sharesWithdrawn").getAsInt());
    assertEquals(e, ok("GET", "/v1/notes/" + id, null), "what the edit answered is what is stored");
    assertEquals(id, search("lawn mower hedge trimmer").get(0).getAsJsonObject().get("id").getAsString());
    JsonArray old = search("rye bread mill bakery");
    assertTrue(old.isEmpty() || old.get(0).getAsJsonObject().get("score").getAsDouble() < 0.5,
        "the old text still finds the note: it was not embedded again");

    JsonObject t = ok("PATCH", "/v1/notes/" + id, "{\"tags\":[]}");
    assertEquals("lawn mower and hedge trimmer to lend", t.get("text").getAsString(), "no text given: it stays");
    assertEquals("[]", t.get("tags").toString());
  }

  @Test
  void patch_badInput_isRefusedWithWhatToDo_andChangesNothing() throws Exception {
    JsonObject n = ok("POST", "/v1/notes", "{\"text\":\"the library opens at nine\",\"tags\":[\"town\"]}");
    String id = n.get("id").getAsString();
    JsonObject before = ok("GET", "/v1/notes/" + id, null);
    assertEquals("give the note's new text, its tags, or both; nothing was changed",
        refused("/v1/notes/" + id, "{}"));
    assertTrue(refused("/v1/notes/" + id, "{\"text\":\" \"}").contains("nothing was changed"));
    assertTrue(refused("/v1/notes/" + id, "{\"text\":\"ab\\ud800\"}").contains("at position 3; nothing was changed"));
    assertTrue(refused("/v1/notes/" + id, "{\"text\":{}}").contains("\"text\" must be a string"));
    assertTrue(refused("/v1/notes/" + id, "{\"tags\":[null]}").contains("\"tags\" must be a list of strings"));
    assertTrue(refused("/v1/notes/" + id, "{\"tags\":[\"" + "t".repeat(65) + "\"]}").contains("nothing was changed"));
    assertTrue(refused("/v1/notes/" + id, "{\"text\":\"" + "x".repeat(100_001) + "\"}").contains("100000 characters"));
    assertTrue(refused("/v1/notes/0000ffff", "{\"text\":\"x\"}").contains("no note with id 0000ffff"));
    assertTrue(refused("/v1/notes/xyz", "{\"text\":\"x\"}").contains("4 to 32 hex digits"));
    assertEquals(before, ok("GET", "/v1/notes/" + id, null));
  }
}
