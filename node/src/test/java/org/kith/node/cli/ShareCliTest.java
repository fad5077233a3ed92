package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** share, offer, need, shared, unshare, ask and profile through the CLI, with the vault opened by each command. */
class ShareCliTest {
  static final String PASS = "correct horse battery staple";
  java.nio.file.Path tmp;
  java.nio.file.Path home;
  java.util.Map<String, String> env;

  @org.junit.jupiter.api.BeforeEach
  void setUp() throws java.io.IOException {
    tmp = java.nio.file.Files.createTempDirectory("kith-share-cli");
    home = tmp.resolve("home");
    env = new java.util.HashMap<>();
    env.put("KITH_PASSPHRASE", PASS);
  }

  @org.junit.jupiter.api.AfterEach
  void tearDown() {
    org.kith.node.TestModel.deleteTree(tmp);
  }

  Result run(String... args) {
    java.util.List<String> all = new java.util.ArrayList<>(List.of("--home", home.toString()));
    all.addAll(List.of(args));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    var utf8 = java.nio.charset.StandardCharsets.UTF_8;
    int code = Kith.run(all.toArray(String[]::new), env, new java.io.PrintStream(out, true, utf8),
        new java.io.PrintStream(err, true, utf8), false, org.kith.node.TestModel.source(),
        org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE);
    return new Result(code, out.toString(utf8), err.toString(utf8));
  }

  Result ok(String... args) {
    Result r = run(args);
    assertEquals(0, r.code(), () -> "exit " + r.code() + " for " + List.of(args) + "\nout: " + r.out() + "\nerr: "
        + r.err());
    return r;
  }

  record Result(int code, String out, String err) {
    JsonObject json() {
      return com.google.gson.JsonParser.parseString(out.strip()).getAsJsonObject();
    }

    JsonArray jsonArray() {
      return com.google.gson.JsonParser.parseString(out.strip()).getAsJsonArray();
    }
  }

  String note(String text, String... tags) {
    String[] args = new String[4 + 2 * tags.length];
    args[0] = "note";
    args[1] = "add";
    args[2] = text;
    args[3] = "--json";
    for (int i = 0; i < tags.length; i++) {
      args[4 + 2 * i] = "--tag";
      args[5 + 2 * i] = tags[i];
    }
    return ok(args).json().get("id").getAsString();
  }

  @Test
  void share_offer_need_shared_unshare() {
    ok("init", "--name", "Ann");
    String bikes = note("Patch a bicycle inner tube with a rubber patch and glue", "bikes");
    JsonObject s = ok("share", bikes.substring(0, 8), "--with", "neighbours", "--reach", "2", "--json").json();
    assertEquals("note", s.get("kind").getAsString());
    assertEquals(2, s.get("reach").getAsInt());
    assertEquals("neighbours", s.get("audience").getAsString());
    assertEquals(0, s.get("peersInCircle").getAsInt(), "nobody is paired yet");
    JsonObject o = ok("offer", "I can lend a ladder", "--with", "neighbours", "--expires", "7d", "--json").json();
    assertEquals("offer", o.get("kind").getAsString());
    Result need = ok("need", "Someone to water my plants in August", "--with", "friends");
    assertTrue(need.err().contains("No paired peer is in circle 'friends' yet"), need.err());
    JsonArray shared = ok("shared", "--json").jsonArray();
    assertEquals(3, shared.size());
    assertTrue(ok("shared").out().contains("neighbours"));

    JsonObject r = ok("unshare", s.get("id").getAsString().substring(0, 10), "--json").json();
    assertEquals(s.get("id").getAsString(), r.get("retracted").getAsString());
    assertEquals(2, ok("shared", "--json").jsonArray().size());

    // Without a running node, ask searches what the vault holds and asks nobody.
    JsonObject a = ok("ask", "fix a bike puncture", "--json").json();
    assertFalse(a.get("running").getAsBoolean());
    assertEquals(0, a.get("asked").getAsInt());
    assertEquals(bikes, a.getAsJsonArray("results").get(0).getAsJsonObject().get("id").getAsString());
    assertTrue(ok("ask", "fix a bike puncture", "--hops", "0").out().contains("your vault"));
  }

  @Test
  void share_severalIds_orATag_oneRecordEach_andAnUnknownIdSharesNothing() {
    ok("init", "--name", "Ann");
    String a = note("Seed swap on Saturday at the library", "garden");
    String b = note("Compost bins are free from the council", "garden");
    String c = note("Where I hide the spare key", "garden", "private");
    String d = note("The bakery closes at noon on Sundays");

    Result bad = run("share", a, b, "ffffffff", "--with", "neighbours");
    assertEquals(1, bad.code(), bad.err());
    assertTrue(bad.err().contains("nothing was shared"), bad.err());
    Result priv = run("share", a, c, "--with", "neighbours");
    assertEquals(1, priv.code(), priv.err());
    assertEquals(1, run("share", "--tag", "private", "--with", "neighbours").code());
    assertEquals(1, run("share", "--tag", "nosuchtag", "--with", "neighbours").code());
    assertEquals(1, run("share", a, "--tag", "garden", "--with", "neighbours").code(), "ids and a tag at once");
    assertEquals(1, run("share", "--with", "neighbours").code(), "neither ids nor a tag");
    assertEquals(0, ok("shared", "--json").jsonArray().size(), "a refused share shared something");

    Result two = ok("share", a, d, "--with", "neighbours");
    assertTrue(two.out().contains("Shared 2 notes with circle 'neighbours'"), two.out());
    assertEquals(2, ok("shared", "--json").jsonArray().size());
    JsonObject tagged = ok("share", "--tag", "#Garden", "--with", "friends", "--json").json();
    assertEquals(2, tagged.get("count").getAsInt());
    assertEquals(1, tagged.get("leftOutPrivate").getAsInt());
    JsonArray shared = ok("shared", "--json").jsonArray();
    assertEquals(4, shared.size());
    assertEquals(List.of(a, b), shared.asList().subList(2, 4).stream()
        .map(e -> e.getAsJsonObject().get("note").getAsString()).toList());
  }

  @Test
  void afterSharing_exactlyOneSentenceSaysWhoReceivesIt() {
    ok("init", "--name", "Ann");
    String a = note("Seed swap on Saturday at the library");
    for (Result r : List.of(ok("share", a, "--with", "neighbours"), ok("offer", "A ladder", "--with", "friends"))) {
      assertTrue(r.err().contains("No paired peer is in circle"), r.err());
      assertFalse(r.err().contains("fetch it now"), r.err());
      assertFalse(r.err().contains("receive it once you"), r.err());
    }
  }

  @Test
  void badInput_givesTheRightExitCode_andChangesNothing() {
    ok("init", "--name", "Ann");
    String plain = note("The bakery closes at noon on Sundays");
    String secret = note("my bank pin is in the blue folder", "private");
    assertEquals(1, run("share", secret, "--with", "friends").code());
    assertEquals(1, run("share", "ffffffff", "--with", "friends").code());
    assertEquals(2, run("share", plain).code(), "--with is required");
    assertEquals(1, run("share", plain, "--with", "friends", "--reach", "3").code());
    assertEquals(2, run("share", plain, "--with", "friends", "--expires", "soon").code());
    assertEquals(1, run("share", plain, "--with", "friends", "--expires", "400d").code());
    assertEquals(1, run("share", plain, "--with", " ").code());
    assertEquals(1, run("share", plain, "--with", "x".repeat(65)).code());
    assertEquals(1, run("offer", " ", "--with", "friends").code());
    assertEquals(1, run("need", "x".repeat(2049), "--with", "friends").code());
    assertEquals(1, run("unshare", "abcdef0123").code());
    assertEquals(1, run("unshare", "xyz").code());
    assertEquals(1, run("ask", "bakery", "-k", "0").code());
    assertEquals(1, run("ask", "bakery", "--hops", "3").code());
    assertEquals(1, run("ask", " ").code());
    assertEquals(1, run("ask", "bakery", "--timeout", "0s").code());
    assertEquals(2, run("ask", "bakery", "--timeout", "1ms").code());
    Result e = run("share", secret, "--with", "friends");
    assertTrue(e.err().contains("private"), e.err());
    assertEquals(0, ok("shared", "--json").jsonArray().size());
    assertEquals(3, runWithPass("wrong passphrase", "shared").code());
  }

  Result runWithPass(String pass, String... args) {
    String old = env.put("KITH_PASSPHRASE", pass);
    try {
      return run(args);
    } finally {
      env.put("KITH_PASSPHRASE", old);
    }
  }

  @Test
  void profile_showsExactlyWhatPublishShares_andNeverPrivateNotes() {
    ok("init", "--name", "Ann");
    for (String t : List.of(
        "Water the tomato plants in the garden every morning and feed the tomato plants with compost",
        "Tomato plants in the garden need sun, water and compost; pinch the side shoots of the tomato plants",
        "Compost for the garden: mix kitchen scraps and dry leaves, turn the compost, water the garden beds",
        "Fixing a bicycle tyre: remove the wheel, find the puncture in the inner tube, patch the tube",
        "Bicycle brakes squeal: clean the wheel rim, check the tyre, adjust the bicycle brake pads",
        "Bicycle wheel wobbles: true the wheel, tighten the spokes, check the tyre and the inner tube")) {
      note(t, "mine");
    }
    note("zanzibarine prescription refill for the garden bicycle", "private", "mine");
    JsonObject shown = ok("profile", "--tag", "mine", "--json").json();
    assertEquals(6, shown.get("notes").getAsInt(), "the private note is not selected");
    assertEquals(shown, ok("profile", "--tag", "mine", "--json").json(), "the same selection, the same noise");
    assertFalse(shown.toString().contains("zanzibarine"));
    assertTrue(shown.getAsJsonArray("topics").size() >= 1, shown.toString());
    JsonObject published = ok("profile", "publish", "--with", "friends", "--tag", "mine", "--json").json();
    assertEquals("profile", published.get("kind").getAsString());
    assertEquals(shown.getAsJsonArray("topics").size(), published.get("topics").getAsInt());
    String snippet = ok("shared", "--json").jsonArray().get(0).getAsJsonObject().get("snippet").getAsString();
    String firstLabels = String.join(" ", shown.getAsJsonArray("topics").get(0).getAsJsonObject()
        .getAsJsonArray("labels").asList().stream().map(x -> x.getAsString()).toList());
    assertTrue(snippet.contains(firstLabels), snippet + " vs " + firstLabels);
    assertEquals(1, run("profile", "publish", "--with", "friends", "--tag", "nothing-has-this").code());
  }

  @Test
  void demo_showsTheCommunity_keepsPrivateNotesPrivate_andRemovesWhatItCreated() {
    Result r = run("demo");
    assertEquals(0, r.code(), r.err());
    String out = r.out();
    assertTrue(out.contains("from Alice"), out);
    assertTrue(out.contains("from someone Bob knows, "), "a hop-2 answer without the author's name");
    assertTrue(out.contains("private notes never left their vaults"), out);
    assertTrue(out.contains("has deleted"), "the retraction reached Bob");
    assertFalse(out.contains("BUG"), out);
    // Section 7 says whose vault each scan read, indented under its heading; profile counts are words.
    for (String who : List.of("Alice", "Bob", "Carol")) {
      assertTrue(out.lines().anyMatch(l -> l.startsWith("    " + who + ":") && l.contains("none of them appear")),
          out);
    }
    assertFalse(out.lines().anyMatch(l -> l.startsWith("Read ") || l.startsWith("  none")), out);
    assertTrue(out.contains(" (about "), out);
    assertFalse(out.contains("(~"), out);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("vault under (\\S+),").matcher(out);
    assertTrue(m.find(), out);
    assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of(m.group(1))), "the demo left " + m.group(1));
  }
}
