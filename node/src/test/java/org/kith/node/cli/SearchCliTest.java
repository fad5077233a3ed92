package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.TestModel;

/** What `kith search` and `kith ask` print (issue 12): title, then the passage that matched; "no good answer". */
class SearchCliTest {
  static final String TRADES = "Trades on our street\nMaria Okafor (no. 14): electrician, rewired our kitchen. "
      + "Ahmed Rahimi (no. 22): plumber, fixed our leaking tap in under an hour. Beata (no. 41): locksmith.";
  Path tmp;
  Path home;

  record Result(int code, String out, String err) {
    JsonObject json() {
      return JsonParser.parseString(out.strip()).getAsJsonObject();
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    tmp = Files.createTempDirectory("kith-search-cli");
    home = tmp.resolve("home");
  }

  @AfterEach
  void tearDown() {
    TestModel.deleteTree(tmp);
  }

  Result ok(String... args) {
    List<String> all = new ArrayList<>(List.of("--home", home.toString()));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Kith.run(all.toArray(String[]::new), Map.of("KITH_PASSPHRASE", "correct horse battery staple"),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        false, TestModel.source(), org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE);
    Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    assertEquals(0, code, () -> "exit " + code + " for " + List.of(args) + "\nout: " + r.out() + "\nerr: " + r.err());
    return r;
  }

  @Test
  void search_printsTitle_thenThePassageThatMatched_andJsonHasItsRanges() {
    ok("init");
    String id = ok("note", "add", TRADES).out().strip();
    ok("note", "add", "Compost bins behind the community hall: greens and browns in equal parts.");
    String passage = "…Ahmed Rahimi (no. 22): plumber, fixed our leaking tap in under an hour.…";

    JsonObject o = ok("search", "who can fix a leaking tap?", "--json").json();
    assertFalse(o.get("noGoodAnswer").getAsBoolean());
    JsonArray results = o.getAsJsonArray("results");
    JsonObject top = results.get(0).getAsJsonObject();
    assertEquals(id, top.get("id").getAsString());
    assertEquals("Trades on our street", top.get("title").getAsString());
    assertEquals(passage, top.get("passage").getAsString());
    assertEquals("[[33,38],[43,50],[51,54]]", top.get("highlights").toString());

    List<String> lines = ok("search", "who can fix a leaking tap?").out().lines().toList();
    assertTrue(lines.get(0).contains(id.substring(0, 8)) && lines.get(0).endsWith("Trades on our street"),
        lines.get(0));
    // Not a terminal here: no bold, the words as they are.
    assertEquals("      " + passage, lines.get(1));
  }

  @Test
  void search_nothingFits_saysNoGoodAnswer_exitZero() {
    ok("init");
    ok("note", "add", TRADES);
    ok("note", "add", "Compost bins behind the community hall: greens and browns in equal parts.");
    JsonObject o = ok("search", "how do I keep a sourdough starter alive", "--json").json();
    assertTrue(o.get("noGoodAnswer").getAsBoolean(), o.toString());
    assertEquals(0, o.getAsJsonArray("results").size());
    Result human = ok("search", "how do I keep a sourdough starter alive");
    assertTrue(human.out().startsWith("No good answer in your vault."), human.out());

    JsonObject asked = ok("ask", "how do I keep a sourdough starter alive", "--hops", "0", "--json").json();
    assertTrue(asked.get("noGoodAnswer").getAsBoolean(), asked.toString());
    assertTrue(ok("ask", "how do I keep a sourdough starter alive", "--hops", "0").out()
        .contains("No good answer in your vault."));
  }

  @Test
  void ask_printsTitle_passage_thenWhereItCameFrom() {
    ok("init");
    ok("note", "add", TRADES);
    JsonObject o = ok("ask", "who can fix a leaking tap?", "--hops", "0", "--json").json();
    JsonObject top = o.getAsJsonArray("results").get(0).getAsJsonObject();
    assertEquals("…Ahmed Rahimi (no. 22): plumber, fixed our leaking tap in under an hour.…",
        top.get("passage").getAsString());
    assertEquals(top.get("passage"), top.get("snippet"));
    assertEquals("[[33,38],[43,50],[51,54]]", top.get("highlights").toString());
    List<String> lines = ok("ask", "who can fix a leaking tap?", "--hops", "0").out().lines().toList();
    assertTrue(lines.get(0).endsWith("Trades on our street"), lines.get(0));
    assertTrue(lines.get(1).strip().startsWith("…Ahmed Rahimi"), lines.get(1));
    assertTrue(lines.get(2).strip().startsWith("note from you"), lines.get(2));
  }

  @Test
  void sayMarked_boldOnATerminal_only_andPeerTextStaysClean() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    JsonArray h = JsonParser.parseString("[[0,3],[13,16],[2,4],[20,99]]").getAsJsonArray();
    new Terminal(new PrintStream(b, true, StandardCharsets.UTF_8), System.err, false, true)
        .sayMarked("  ", "tap\u001b]0;x\u0007 at tap", h);
    assertEquals("  \u001b[1mtap\u001b[22m at \u001b[1mtap\u001b[22m" + System.lineSeparator(),
        b.toString(StandardCharsets.UTF_8));
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    new Terminal(new PrintStream(plain, true, StandardCharsets.UTF_8), System.err, false, false)
        .sayMarked("", "tap at tap", JsonParser.parseString("[[0,3]]").getAsJsonArray());
    assertEquals("tap at tap" + System.lineSeparator(), plain.toString(StandardCharsets.UTF_8));
  }
}
