package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.TestModel;
import org.kith.node.cli.KithCliTest.Result;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.peers.Peer;
import org.kith.protocol.identity.KeyPair;

/**
 * Issue 12's rough edges through the CLI, over a real vault and the real model: weak passphrases, note edit,
 * short record ids, and times, counts and reach said in words.
 */
class RoughEdgesCliTest {
  static final String PASS = KithCliTest.PASS;
  /** The CLI harness of KithCliTest: a temporary home, KITH_PASSPHRASE, the real model, the test KDF. */
  final KithCliTest cli = new KithCliTest();
  Path home;
  Map<String, String> env;

  @BeforeEach
  void setUp() throws IOException {
    cli.setUp();
    home = cli.home;
    env = cli.env;
  }

  @AfterEach
  void tearDown() {
    cli.tearDown();
  }

  Result run(String... args) {
    return cli.run(args);
  }

  Result ok(String... args) {
    return cli.ok(args);
  }

  Result refused(int code, String... args) {
    Result r = run(args);
    assertEquals(code, r.code(), () -> "exit " + r.code() + " for " + List.of(args) + "\nout: " + r.out() + "\nerr: " + r.err());
    return r;
  }

  // ---- passphrases

  @Test
  void init_withAWeakPassphrase_isRefused_saysWhy_andCreatesNothing() {
    for (String weak : List.of("password", "12345678", "letmein123", "Alice2024")) {
      env.put("KITH_PASSPHRASE", weak);
      Result r = refused(1, "init", "--name", "Alice");
      assertTrue(r.err().contains("too easy to guess"), r.err());
      assertTrue(r.err().contains("four or more uncommon words") && r.err().contains("20 characters"), r.err());
      assertTrue(r.err().contains("--weak-passphrase-ok") && r.err().contains("Nothing was changed"), r.err());
      assertFalse(Files.exists(home.resolve("vault")), "a refused init created a vault");
    }
    env.put("KITH_PASSPHRASE", "password");
    ok("init", "--weak-passphrase-ok");
    ok("note", "add", "opens with the weak passphrase it was given");
  }

  @Test
  void init_saysAForgottenPassphraseLosesTheVault_andToKeepABackup() {
    Result r = ok("init", "--name", "Alice");
    assertTrue(r.out().contains("nobody can recover it"), r.out());
    assertTrue(r.out().contains("everything in it") && r.out().contains("is lost"), r.out());
    assertTrue(r.out().contains("kith backup"), r.out());
  }

  @Test
  void passphraseChange_toAWeakOne_isRefused_andChangesNothing() throws IOException {
    ok("init");
    ok("note", "add", "kept whatever happens");
    // Opening the database rewrites its own log files; the wrapped key is what a change would rewrite.
    byte[] key = Files.readAllBytes(home.resolve("vault/vault.key"));
    env.put("KITH_NEW_PASSPHRASE", "password1");
    Result r = refused(1, "passphrase");
    assertTrue(r.err().contains("too easy to guess") && r.err().contains("--weak-passphrase-ok"), r.err());
    assertArrayEquals(key, Files.readAllBytes(home.resolve("vault/vault.key")), "the wrapped key was rewritten");
    assertEquals(1, ok("note", "list", "--json").jsonArray().size(), "the old passphrase still opens it");
    ok("passphrase", "--weak-passphrase-ok");
    env.put("KITH_PASSPHRASE", "password1");
    assertEquals(1, ok("note", "list", "--json").jsonArray().size());
  }

  // ---- note edit

  @Test
  void noteEdit_replacesTextAndTags_keepsIdAndCreation_andIsFoundByItsNewMeaning() {
    ok("init");
    JsonObject added = ok("note", "add", "The bakery on Mill Lane sells rye bread", "--tag", "food", "--json").json();
    String id = added.get("id").getAsString();
    ok("note", "add", "Fix a bicycle puncture with a patch kit and glue");

    JsonObject edited = ok("note", "edit", id.substring(0, 5), "--text",
        "The allotment society lends a lawn mower and hedge trimmer", "--tag", "garden", "--tag", "Tools", "--json")
        .json();
    assertEquals(id, edited.get("id").getAsString());
    assertEquals("The allotment society lends a lawn mower and hedge trimmer", edited.get("text").getAsString());
    assertEquals("The allotment society lends a lawn mower and hedge trimmer", edited.get("title").getAsString());
    assertEquals("[\"garden\",\"tools\"]", edited.get("tags").toString());
    assertEquals(added.get("createdAt"), edited.get("createdAt"));

    // Embedded again: the old words no longer find it first; the new meaning does.
    JsonArray hits = ok("search", "borrow garden tools", "-k", "1", "--json").json().getAsJsonArray("results");
    assertEquals(id, hits.get(0).getAsJsonObject().get("id").getAsString());
    assertEquals(2, ok("note", "list", "--json").jsonArray().size(), "an edit adds no note");

    // Tags alone: the text stays.
    JsonObject retagged = ok("note", "edit", id, "--tag", "lending", "--json").json();
    assertEquals("The allotment society lends a lawn mower and hedge trimmer", retagged.get("text").getAsString());
    assertEquals("[\"lending\"]", retagged.get("tags").toString());
    Result shown = ok("note", "show", id);
    assertTrue(shown.out().contains("edited:"), shown.out());
    assertTrue(ok("note", "edit", id, "--text", "Lawn mower to lend").out().startsWith("Edited " + id.substring(0, 8)));
  }

  @Test
  void noteEdit_badInput_saysWhatToDo_andChangesNothing() {
    ok("init");
    String id = ok("note", "add", "The library opens at nine").out().strip();
    JsonArray before = ok("note", "list", "--json").jsonArray();
    JsonObject shownBefore = ok("note", "show", id, "--json").json();
    Result nothing = refused(1, "note", "edit", id);
    assertTrue(nothing.err().contains("give --text TEXT, --tag T, or both; nothing was changed"), nothing.err());
    Result blank = refused(1, "note", "edit", id, "--text", "   ");
    assertTrue(blank.err().contains("a note needs some text") && blank.err().contains("nothing was changed"),
        blank.err());
    Result unknown = refused(1, "note", "edit", "ffff0000", "--text", "x");
    assertTrue(unknown.err().contains("no note with id ffff0000") && unknown.err().contains("kith note list"),
        unknown.err());
    Result short_ = refused(1, "note", "edit", "ab", "--text", "x");
    assertTrue(short_.err().contains("4 to 32 hex digits"), short_.err());
    Result longTag = refused(1, "note", "edit", id, "--tag", "t".repeat(65));
    assertTrue(longTag.err().contains("nothing was changed"), longTag.err());
    assertEquals(before, ok("note", "list", "--json").jsonArray());
    assertEquals(shownBefore, ok("note", "show", id, "--json").json());
  }

  // ---- ids, words

  @Test
  void unshare_takesAnyUniquePrefixOfFourDigits_andSaysWhatToDoOtherwise() {
    ok("init");
    String id = ok("note", "add", "Ladders and drills to lend").out().strip();
    String record = ok("share", id.substring(0, 4), "--with", "friends", "--json").json().get("id").getAsString();
    Result tooShort = refused(1, "unshare", record.substring(0, 3));
    assertTrue(tooShort.err().contains("4 to 64 hex digits") && tooShort.err().contains("kith shared"),
        tooShort.err());
    String other = record.startsWith("0000") ? "ffff" : "0000";
    Result unknown = refused(1, "unshare", other);
    assertTrue(unknown.err().contains("you share no record with id " + other), unknown.err());
    assertEquals(record, ok("unshare", record.substring(0, 4), "--json").json().get("retracted").getAsString());
  }

  @Test
  void shared_saysReachTwoInWords() {
    ok("init");
    String id = ok("note", "add", "Fix a bicycle puncture with a patch kit").out().strip();
    ok("share", id, "--with", "neighbours", "--reach", "2");
    String out = ok("shared").out();
    assertTrue(out.contains("neighbours and their peers too"), out);
    assertFalse(out.contains("neighbours+1"), out);
  }

  @Test
  void profile_countsAreWholeNumbersInWords() {
    ok("init");
    for (String t : List.of(
        "Water the tomato plants in the garden every morning and feed the tomato plants with compost",
        "Tomato plants in the garden need sun, water and compost; pinch the side shoots of the tomato plants",
        "Compost for the garden: mix kitchen scraps and dry leaves, turn the compost, water the garden beds",
        "Fixing a bicycle tyre: remove the wheel, find the puncture in the inner tube, patch the tube",
        "Bicycle brakes squeal: clean the wheel rim, check the tyre, adjust the bicycle brake pads",
        "Bicycle wheel wobbles: true the wheel, tighten the spokes, check the tyre and the inner tube")) {
      ok("note", "add", t);
    }
    String out = ok("profile").out();
    assertTrue(out.matches("(?s).*\\n  about \\d+ notes? +\\S.*"), out);
    assertFalse(out.contains("~"), out);
    assertFalse(out.matches("(?s).*\\d\\.\\d+ notes.*"), out);
  }

  @Test
  void peers_sayWhenLastSeenInWords() throws Exception {
    ok("init", "--name", "Ann");
    long now = System.currentTimeMillis();
    try (KithNode node = KithNode.open(new Home(home), PASS.toCharArray(), KithNode.Options.of(TestModel.source()))) {
      node.peerBook().put(new Peer(KeyPair.generate().id(), "Bea", "friends", List.of(), now, 0, false, false));
      // Hours ago, so that the words stay the same however slowly this test runs.
      node.peerBook().put(new Peer(KeyPair.generate().id(), "Cy", "friends", List.of(), now,
          now - Duration.ofMinutes(130).toMillis(), false, false));
    }
    String out = ok("peers").out();
    assertTrue(out.lines().anyMatch(l -> l.contains("Bea") && l.endsWith("last seen never")), out);
    assertTrue(out.lines().anyMatch(l -> l.contains("Cy") && l.endsWith("last seen 2 hours ago")), out);
    assertFalse(out.matches("(?s).*\\d{4}-\\d\\d-\\d\\dT.*"), "an ISO time in: " + out);
  }
}
