package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.TestModel;

/** The CLI in-process, over a real vault in a temporary home and the real model. */
class KithCliTest {
  static final String PASS = "correct horse battery staple";
  Path tmp;
  Path home;
  Map<String, String> env;

  record Result(int code, String out, String err) {
    JsonObject json() {
      return JsonParser.parseString(out.strip()).getAsJsonObject();
    }

    JsonArray jsonArray() {
      return JsonParser.parseString(out.strip()).getAsJsonArray();
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    tmp = Files.createTempDirectory("kith-cli");
    home = tmp.resolve("home");
    env = new HashMap<>();
    env.put("KITH_PASSPHRASE", PASS);
  }

  @AfterEach
  void tearDown() {
    TestModel.deleteTree(tmp);
  }

  Result run(String... args) {
    List<String> all = new ArrayList<>(List.of("--home", home.toString()));
    all.addAll(List.of(args));
    return runRaw(all.toArray(String[]::new));
  }

  Result runRaw(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Kith.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, TestModel.source(),
        org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Result ok(String... args) {
    Result r = run(args);
    assertEquals(0, r.code(), () -> "exit " + r.code() + " for " + List.of(args) + "\nout: " + r.out() + "\nerr: " + r.err());
    return r;
  }

  static Map<String, byte[]> snapshot(Path dir) throws IOException {
    Map<String, byte[]> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return m;
  }

  static void assertSameFiles(Map<String, byte[]> before, Map<String, byte[]> after) {
    assertEquals(before.keySet(), after.keySet());
    for (String k : before.keySet()) {
      assertArrayEquals(before.get(k), after.get(k), "file changed: " + k);
    }
  }

  @Test
  void init_thenId_jsonBeforeOrAfterTheCommand() {
    Result init = ok("init", "--name", "Alice", "--json");
    JsonObject created = init.json();
    Result a = ok("--json", "id");
    Result b = ok("id", "--json");
    assertEquals(a.json(), b.json());
    JsonObject id = a.json();
    assertEquals(created.get("id"), id.get("id"));
    assertTrue(id.get("id").getAsString().startsWith("kith1"));
    assertTrue(id.get("publicKey").getAsString().matches("[0-9a-f]{64}"));
    assertFalse(id.get("fingerprint").getAsString().isEmpty());
    assertEquals("Alice", id.get("name").getAsString());
    Result human = ok("id");
    assertTrue(human.out().contains(id.get("id").getAsString()));
  }

  /** With no node running, a petname with spaces and brackets reaches the route as typed, not percent-encoded. */
  @Test
  void aPetnameWithSpaces_withoutARunningNode_isLookedUpAsTyped() {
    ok("init");
    Result r = run("peers", "rename", "Bob (allotment)", "Bob");
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("no peer \"Bob (allotment)\""), r.err());
    assertFalse(r.err().contains("%20"), r.err());
  }

  @Test
  void init_twice_isRefused_andChangesNothing() throws IOException {
    ok("init");
    Map<String, byte[]> before = snapshot(home);
    Result again = run("init", "--name", "Mallory");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("already exists"), again.err());
    assertSameFiles(before, snapshot(home));
  }

  @Test
  void wrongPassphrase_exits3_andChangesNothing() throws IOException {
    ok("init");
    ok("note", "add", "the spare key is under the blue pot");
    Map<String, byte[]> before = snapshot(home.resolve("vault"));
    env.put("KITH_PASSPHRASE", "not the passphrase");
    Result r = run("note", "add", "should never be stored");
    assertEquals(3, r.code());
    assertTrue(r.err().toLowerCase(Locale.ROOT).contains("wrong passphrase"), r.err());
    assertEquals(3, run("id").code());
    assertEquals(3, run("search", "key").code());
    assertSameFiles(before, snapshot(home.resolve("vault")));
  }

  @Test
  void noPassphrase_withoutTerminal_exits3_withAHint() throws IOException {
    ok("init");
    // Without identity.pub (a vault older than it), `id` needs the vault itself.
    Files.delete(home.resolve("identity.pub"));
    env.remove("KITH_PASSPHRASE");
    Result r = run("id");
    assertEquals(3, r.code());
    assertTrue(r.err().contains("KITH_PASSPHRASE"), r.err());
  }

  @Test
  void passphraseFile_isRead() throws IOException {
    ok("init");
    env.remove("KITH_PASSPHRASE");
    Path f = tmp.resolve("pass.txt");
    Files.writeString(f, PASS + "\n");
    assertEquals(0, run("--passphrase-file", f.toString(), "id").code());
  }

  @Test
  void noVault_isAClearBadInput() {
    Result r = run("id");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("kith init"), r.err());
  }

  @Test
  void usageErrors_exit2() {
    assertEquals(2, run("frobnicate").code());
    assertEquals(2, run("note", "add").code());
    assertEquals(2, run("search", "x", "-k", "many").code());
  }

  @Test
  void help_describesEveryCommand() {
    Result r = runRaw("--help");
    assertEquals(0, r.code());
    for (String c : List.of("init", "id", "status", "note", "search", "passphrase", "backup", "restore", "demo")) {
      assertTrue(r.out().contains(c), "help lacks " + c);
    }
    Result note = runRaw("note", "import", "--help");
    assertEquals(0, note.code());
    assertTrue(note.out().contains("Obsidian"), note.out());
  }

  @Test
  void startHelp_saysHowToTurnPortMappingOff() {
    Result r = runRaw("start", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("--no-port-mapping") && r.out().contains("UPnP-IGD"), r.out());
  }

  @Test
  void noteLifecycle_add_list_show_search_rm() {
    ok("init");
    String id = ok("note", "add", "Patch a bicycle inner tube with glue and a rubber patch", "--tag", "Repairs",
        "-t", "bikes").out().strip();
    assertTrue(id.matches("[0-9a-f]{32}"), id);
    JsonObject added = ok("--json", "note", "add", "Sourdough needs a lively starter and a long proof").json();
    String id2 = added.get("id").getAsString();
    ok("note", "add", "The recycling centre takes paint on Wednesdays");

    JsonArray list = ok("note", "list", "--json").jsonArray();
    assertEquals(3, list.size());
    assertEquals(id, list.get(0).getAsJsonObject().get("id").getAsString());
    assertEquals("[\"repairs\",\"bikes\"]", list.get(0).getAsJsonObject().get("tags").toString());

    JsonObject shown = ok("note", "show", id.substring(0, 6), "--json").json();
    assertEquals("Patch a bicycle inner tube with glue and a rubber patch", shown.get("text").getAsString());

    JsonObject found = ok("search", "fixing a flat tyre on my bike", "-k", "2", "--json").json();
    assertFalse(found.get("noGoodAnswer").getAsBoolean());
    JsonArray hits = found.getAsJsonArray("results");
    JsonObject top = hits.get(0).getAsJsonObject();
    assertEquals(id, top.get("id").getAsString());
    assertEquals("Patch a bicycle inner tube with glue and a rubber patch", top.get("passage").getAsString());
    assertEquals("[]", top.get("highlights").toString(), "no word of the question is in it: " + top);
    for (int i = 1; i < hits.size(); i++) {
      assertTrue(top.get("score").getAsDouble() > hits.get(i).getAsJsonObject().get("score").getAsDouble());
    }
    Result human = ok("search", "sourdough bread");
    List<String> lines = human.out().lines().toList();
    assertTrue(lines.get(0).contains(id2.substring(0, 8)) && lines.get(0).contains("Sourdough"), human.out());
    assertEquals("      Sourdough needs a lively starter and a long proof", lines.get(1), "the passage, under the title");

    ok("note", "rm", id2);
    assertEquals(1, run("note", "show", id2).code());
    assertEquals(2, ok("note", "list", "--json").jsonArray().size());
    assertEquals(1, run("note", "rm", "ffffffff").code());
    assertEquals(1, run("note", "show", "zz").code());
    assertEquals(1, run("search", "x", "-k", "0").code());
  }

  @Test
  void import_obsidianLikeFolder_isRecursive_andIdempotent() throws IOException {
    ok("init");
    Path vault = tmp.resolve("obsidian");
    Files.createDirectories(vault.resolve(".obsidian"));
    Files.createDirectories(vault.resolve("Garden/Beds"));
    Files.writeString(vault.resolve(".obsidian/workspace.md"), "# hidden config\nnot a note");
    Files.writeString(vault.resolve("Garden/Beds/tomatoes.md"),
        "---\ntags: [garden]\n---\n# Tomatoes\nPinch out side shoots weekly.\n\n# Watering\nWater deeply in the morning.");
    Files.writeString(vault.resolve("Garden/compost.markdown"), "Greens and browns half and half. #compost");
    Files.writeString(vault.resolve("todo.txt"), "Buy seeds");
    Files.write(vault.resolve("photo.png"), new byte[] {1, 2, 3});

    JsonObject first = ok("note", "import", vault.toString(), "--json").json();
    assertEquals(3, first.get("files").getAsInt());
    assertEquals(4, first.get("notesAdded").getAsInt());
    JsonObject second = ok("note", "import", vault.toString(), "--json").json();
    assertEquals(3, second.get("unchanged").getAsInt());
    assertEquals(0, second.get("notesAdded").getAsInt());
    assertEquals(4, ok("note", "list", "--json").jsonArray().size());

    String todoId = ok("note", "list", "--json").jsonArray().asList().stream().map(e -> e.getAsJsonObject())
        .filter(n -> n.get("source").getAsString().equals("todo.txt#1")).findFirst().orElseThrow()
        .get("id").getAsString();
    Files.writeString(vault.resolve("todo.txt"), "Buy seeds and twine");
    JsonObject third = ok("note", "import", vault.toString(), "--json").json();
    assertEquals(1, third.get("updated").getAsInt());
    assertEquals(1, third.get("notesUpdated").getAsInt());
    assertEquals(0, third.get("notesRemoved").getAsInt());
    assertTrue(ok("note", "show", todoId).out().contains("twine"), "the edited file kept its note id");
    assertTrue(ok("note", "import", vault.toString()).out()
        .contains("Imported 0, updated 0, unchanged 3, skipped 2 (1 hidden, 1 unsupported type)."));
    JsonArray list = ok("note", "list", "--json").jsonArray();
    assertEquals(4, list.size());
    assertTrue(list.toString().contains("twine") || ok("search", "twine", "--json").out().contains("todo"));
    JsonArray tagged = ok("note", "list", "--tag", "compost", "--json").jsonArray();
    assertEquals(1, tagged.size());

    assertEquals(1, run("note", "import", tmp.resolve("missing").toString()).code());
    assertEquals(1, run("note", "import", vault.resolve("photo.png").toString()).code());
  }

  @Test
  void privacyAtRest_noUserWordAppearsInAnyFileUnderHome() throws IOException {
    ok("init", "--name", "Xylophonist Quentin");
    ok("note", "add", "Meet Zephyrine at the quarry gate about the marmalade cooperative", "--tag", "secretplans");
    Path doc = tmp.resolve("doc.md");
    Files.writeString(doc, "# Wobblefrost\nThe kumquatery needs a new padlock.");
    ok("note", "import", doc.toString());
    ok("search", "marmalade");
    List<String> words = List.of("zephyrine", "marmalade", "quarry", "secretplans", "wobblefrost", "kumquatery",
        "padlock", "xylophonist");
    try (Stream<Path> s = Files.walk(home)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        String utf16 = new String(Files.readAllBytes(p), StandardCharsets.UTF_16LE).toLowerCase(Locale.ROOT);
        for (String w : words) {
          assertFalse(content.contains(w) || utf16.contains(w), "\"" + w + "\" found in " + home.relativize(p));
        }
      }
    }
  }

  @Test
  void backupAndRestore_roundTrip() {
    ok("init", "--name", "Alice");
    String id = ok("note", "add", "Ladders are kept in the shed behind the hall").out().strip();
    Path backup = tmp.resolve("alice.kithbackup");
    ok("backup", backup.toString());
    assertEquals(1, run("backup", backup.toString()).code());
    ok("note", "add", "written after the backup");

    Path restored = tmp.resolve("restored");
    JsonObject r = runRawOk("restore", backup.toString(), "--home", restored.toString(), "--json").json();
    assertEquals(1, r.get("notes").getAsInt());
    Path keep = home;
    home = restored;
    JsonArray hits = ok("search", "where is the ladder", "-k", "1", "--json").json().getAsJsonArray("results");
    assertEquals(id, hits.get(0).getAsJsonObject().get("id").getAsString());
    home = keep;
    assertEquals(1, runRaw("restore", backup.toString(), "--home", restored.toString()).code());
    assertEquals(2, runRaw("restore", backup.toString()).code());
  }

  Result runRawOk(String... args) {
    Result r = runRaw(args);
    assertEquals(0, r.code(), r.err());
    return r;
  }

  @Test
  void passphraseChange_oldStopsWorking_newWorks() {
    ok("init");
    ok("note", "add", "kept across the change");
    env.put("KITH_NEW_PASSPHRASE", "a brand new passphrase");
    ok("passphrase");
    assertEquals(3, run("note", "list").code());
    env.put("KITH_PASSPHRASE", "a brand new passphrase");
    assertEquals(1, ok("note", "list", "--json").jsonArray().size());
    env.put("KITH_NEW_PASSPHRASE", "short");
    assertEquals(1, run("passphrase").code());
  }

  @Test
  void status_locked_and_unlocked() {
    Result none = ok("status", "--json");
    assertEquals("absent", none.json().get("vault").getAsString());
    ok("init");
    ok("note", "add", "one");
    assertEquals("unlocked", ok("status", "--json").json().get("vault").getAsString());
    env.remove("KITH_PASSPHRASE");
    assertEquals("locked", ok("status", "--json").json().get("vault").getAsString());
  }
}
