package org.kith.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Three people through the CLI, as separate processes with real homes and ports: start, invite, pair, share,
 * ask at hops 1 and 2, unshare, and an ask whose only peer is down.
 */
class CommunityIT {
  final LauncherIT cli = new LauncherIT();
  Path tmp;

  @org.junit.jupiter.api.BeforeEach
  void setUp() throws Exception {
    cli.setUp();
    tmp = cli.tmp;
  }

  @org.junit.jupiter.api.AfterEach
  void tearDown() throws Exception {
    cli.tearDown();
  }

  LauncherIT.Run ok(Path home, String... args) throws Exception {
    return cli.ok(home, args);
  }

  LauncherIT.Run run(Path home, String... args) throws Exception {
    return cli.run(home, args);
  }

  Process start(Path home, String listen) throws Exception {
    return cli.start(home, listen);
  }

  static int freePort() throws Exception {
    return LauncherIT.freePort();
  }

  static JsonObject obj(String s) {
    return JsonParser.parseString(s).getAsJsonObject();
  }

  static List<JsonObject> results(JsonObject ask) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : ask.getAsJsonArray("results")) {
      out.add(e.getAsJsonObject());
    }
    return out;
  }

  @Test
  void threeHomes_start_invite_pair_share_ask() throws Exception {
    Path alice = tmp.resolve("alice");
    Path bob = tmp.resolve("bob");
    Path carol = tmp.resolve("carol");
    ok(alice, "init", "--name", "Alice");
    ok(bob, "init", "--name", "Bob");
    ok(carol, "init", "--name", "Carol");
    start(alice, "127.0.0.1:" + freePort());
    Process bobNode = start(bob, "127.0.0.1:" + freePort());
    start(carol, "127.0.0.1:" + freePort());

    String code = ok(alice, "invite", "--circle", "neighbours").out().lines().findFirst().orElseThrow().strip();
    // Pairing shows both fingerprints and asks to compare them out of band.
    LauncherIT.Run paired = ok(bob, "pair", code);
    String aliceFp = obj(ok(alice, "id", "--json").out()).get("fingerprint").getAsString();
    String bobFp = obj(ok(bob, "id", "--json").out()).get("fingerprint").getAsString();
    assertTrue(paired.out().contains("their fingerprint:  " + aliceFp), paired.out());
    assertTrue(paired.out().contains("your fingerprint:   " + bobFp), paired.out());
    assertTrue(paired.out().contains("in person or by phone"), paired.out());
    // Last seen in words, never an ISO time.
    String peers = ok(alice, "peers").out();
    assertTrue(peers.matches("(?s).*last seen (just now|never|\\d+ (minute|hour)s? ago).*"), peers);
    assertFalse(peers.matches("(?s).*\\d{4}-\\d\\d-\\d\\dT.*"), peers);
    String code2 = ok(bob, "invite", "--circle", "neighbours").out().lines().findFirst().orElseThrow().strip();
    ok(carol, "pair", code2);

    String tyre = obj(ok(alice, "note", "add", "Fixing a flat bicycle tyre: patch the inner tube with glue", "--json")
        .out()).get("id").getAsString();
    String pin = obj(ok(alice, "note", "add", "my bank pin is in the blue folder", "--tag", "private", "--json")
        .out()).get("id").getAsString();
    JsonObject shared = obj(ok(alice, "share", tyre, "--with", "neighbours", "--reach", "2", "--json").out());
    String recordId = shared.get("id").getAsString();
    assertEquals(64, recordId.length());
    LauncherIT.Run refused = run(alice, "share", pin, "--with", "neighbours");
    assertEquals(1, refused.code(), refused.err());
    LauncherIT.Run noCircle = run(alice, "share", tyre);
    assertEquals(2, noCircle.code(), noCircle.err());
    JsonArray list = JsonParser.parseString(ok(alice, "shared", "--json").out()).getAsJsonArray();
    assertEquals(1, list.size());
    assertEquals(recordId, list.get(0).getAsJsonObject().get("id").getAsString());

    // Bob asks his peers: Alice's record, signed by her, under the petname Bob gave her.
    List<JsonObject> bobs = results(obj(ok(bob, "ask", "how to fix a bike puncture", "--json", "--timeout", "60s").out()));
    assertTrue(bobs.stream().anyMatch(r -> r.get("id").getAsString().equals(recordId)
        && r.get("author").getAsString().equals("Alice")), bobs.toString());
    assertTrue(ok(bob, "ask", "how to fix a bike puncture", "--timeout", "60s").out().contains("from Alice"));

    // Carol is not paired with Alice: hop 1 does not reach the record, hop 2 does, without naming Alice.
    List<JsonObject> hop1 = results(obj(ok(carol, "ask", "how to fix a bike puncture", "--json", "--timeout", "60s").out()));
    assertTrue(hop1.stream().noneMatch(r -> r.get("id").getAsString().equals(recordId)), hop1.toString());
    List<JsonObject> hop2 = results(obj(ok(carol, "ask", "how to fix a bike puncture", "--hops", "2", "--json", "--timeout", "60s").out()));
    JsonObject relayed = hop2.stream().filter(r -> r.get("id").getAsString().equals(recordId)).findFirst().orElseThrow();
    assertEquals("someone Bob knows", relayed.get("author").getAsString());
    assertFalse(hop2.toString().contains("bank pin"));

    ok(alice, "unshare", recordId.substring(0, 12));
    assertEquals(0, JsonParser.parseString(ok(alice, "shared", "--json").out()).getAsJsonArray().size());
    List<JsonObject> after = results(obj(ok(bob, "ask", "how to fix a bike puncture", "--hops", "1", "--json", "--timeout", "60s").out()));
    assertTrue(after.stream().noneMatch(r -> r.get("id").getAsString().equals(recordId)
        && !r.get("local").getAsBoolean()), after.toString());

    assertEquals(1, run(carol, "ask", "anything", "--hops", "3").code());
    // Carol's only peer goes away and she has no notes: nobody could be asked, exit 4.
    bobNode.destroy();
    bobNode.waitFor();
    // Carol's node notices the closed connection: wait for it rather than for a fixed time.
    for (int i = 0; i < 900 && ok(carol, "peers", "--json").out().contains("\"connected\":true"); i++) {
      Thread.sleep(100);
    }
    LauncherIT.Run unreachable = run(carol, "ask", "how to fix a bike puncture", "--timeout", "2s");
    assertEquals(4, unreachable.code(), unreachable.out() + unreachable.err());
  }
}
