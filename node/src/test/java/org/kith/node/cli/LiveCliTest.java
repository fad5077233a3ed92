package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.MiniCluster;
import org.kith.node.TestModel;
import org.kith.node.api.ApiServer;
import org.kith.node.api.Router;
import org.kith.node.api.RunFiles;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.records.Sharing;
import org.kith.protocol.proto.RecordKind;
import org.kith.storage.KdfProfile;

/**
 * Issue 12 from the terminal: {@code kith note import} shows progress whether a running node imports (streamed over
 * its API) or the command does, and ends with counts; {@code kith inbox} with and without a running node.
 */
class LiveCliTest {
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();
  Path tmp;
  Map<String, String> env = new HashMap<>();

  record Result(int code, String out, String err) {
    JsonObject json() {
      return JsonParser.parseString(out.strip()).getAsJsonObject();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory("kith-live-cli");
    env.put("KITH_PASSPHRASE", new String(MiniCluster.PASS));
  }

  @AfterEach
  void tearDown() {
    TestModel.deleteTree(tmp);
  }

  Result run(Home home, String... args) {
    List<String> all = new ArrayList<>(List.of("--home", home.dir().toString()));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Kith.run(all.toArray(String[]::new), env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, d -> FakeEmbedder.flavour('f'),
        KdfProfile.TESTING_ONLY_INSECURE);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Result ok(Home home, String... args) {
    Result r = run(home, args);
    assertEquals(0, r.code(), () -> "exit " + r.code() + " for " + List.of(args) + "\nout: " + r.out() + "\nerr: "
        + r.err());
    return r;
  }

  /** An API server for {@code node}, found by the CLI as `kith start`'s would be. */
  AutoCloseable serve(Home home, KithNode node) throws Exception {
    String token = RunFiles.newToken(home);
    ApiServer server = new ApiServer(new Router(node), token);
    int port = server.start(0).getPort();
    RunFiles.writeRunInfo(home, new RunFiles.RunInfo(port, null, ProcessHandle.current().pid()));
    return () -> {
      server.close();
      RunFiles.clear(home);
    };
  }

  Path folder(int files) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("notes"));
    for (int i = 0; i < files; i++) {
      Files.writeString(dir.resolve("note-" + i + ".md"), "# Note " + i + "\n\nAbout wheels and seeds, number " + i);
    }
    Files.write(dir.resolve("broken.md"), new byte[] {(byte) 0xff, (byte) 0xfe, 'x'});
    return dir;
  }

  static long progressLines(String err) {
    return err.lines().filter(l -> l.startsWith("Importing: ")).count();
  }

  @Test
  void import_throughARunningNode_streamsProgress_andEndsWithCounts() throws Exception {
    MiniCluster.Member ann = cluster.add("Ann");
    Path dir = folder(30);
    try (AutoCloseable api = serve(ann.home, ann.node)) {
      Result r = ok(ann.home, "note", "import", dir.toString());
      // Imported by the running node (the vault is its): the command only showed what the node streamed.
      assertEquals(30, ann.node.notes().list().size());
      assertTrue(r.err().contains("Importing: 0 of 31 files (0%)"), r.err());
      assertTrue(r.err().contains("Importing: 31 of 31 files (100%)"), r.err());
      assertTrue(progressLines(r.err()) <= 11, r.err());
      assertTrue(r.out().contains("Imported 30, updated 0, unchanged 0, skipped 1 (1 not text)."), r.out());
      assertTrue(r.out().contains("broken.md: not UTF-8 text"), r.out());

      Result again = ok(ann.home, "note", "import", dir.toString(), "--json");
      JsonObject o = again.json(); // stdout is the one JSON object, nothing else
      assertEquals(30, o.get("unchanged").getAsInt());
      assertEquals(0, progressLines(again.err()), again.err());

      Result missing = run(ann.home, "note", "import", tmp.resolve("nowhere").toString());
      assertEquals(1, missing.code());
      assertTrue(missing.err().contains("no such file or folder"), missing.err());
      assertEquals(30, ann.node.notes().list().size());
    }
  }

  @Test
  void import_withoutANode_showsTheSameProgress() throws Exception {
    MiniCluster.Member ann = cluster.add("Ann");
    ann.stop();
    Result r = ok(ann.home, "note", "import", folder(12).toString());
    assertTrue(r.err().contains("Importing: 0 of 13 files (0%)"), r.err());
    assertTrue(r.err().contains("Importing: 13 of 13 files (100%)"), r.err());
    assertTrue(r.out().contains("Imported 12, updated 0, unchanged 0, skipped 1 (1 not text)."), r.out());
  }

  @Test
  void inbox_withAndWithoutARunningNode_peersWordsCleaned() throws Exception {
    MiniCluster.Member alice = cluster.add("Alice");
    MiniCluster.Member bob = cluster.add("Bob");
    cluster.pair(alice, bob, "neighbours");
    bob.node.notes().add("Fixing a wobbly wheel on a cart", List.of());
    MiniCluster.await("connection", () -> alice.connectedTo(bob) && bob.connectedTo(alice));
    String id;
    try (AutoCloseable api = serve(bob.home, bob.node)) {
      Result empty = ok(bob.home, "inbox");
      assertTrue(empty.out().contains("Your inbox is empty"), empty.out());
      alice.node.sharing().offer(RecordKind.NEED, "Help with a wobbly wheel \u001b[31mplease", "neighbours",
          Sharing.DEFAULT_OFFER_EXPIRY);
      MiniCluster.await("Bob's inbox entry", () -> {
        try {
          return bob.node.inbox().list().size() == 1;
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      Result r = ok(bob.home, "inbox");
      assertTrue(r.out().contains("Inbox: 1 entry, 1 unread"), r.out());
      assertTrue(r.out().contains("* "), r.out());
      assertTrue(r.out().contains("Alice needs help: \"Help with a wobbly wheel"), r.out());
      assertTrue(r.out().contains("1 of your notes fits"), r.out());
      assertTrue(r.out().contains("note  "), r.out());
      assertFalse(r.out().contains("\u001b"), "the peer's escape sequence is cleaned");
      JsonObject o = ok(bob.home, "inbox", "--json").json();
      id = o.getAsJsonArray("entries").get(0).getAsJsonObject().get("id").getAsString();
      assertEquals(1, o.get("unread").getAsInt());

      Result bad = run(bob.home, "inbox", "read", "not-an-id");
      assertEquals(1, bad.code());
      assertTrue(bad.err().contains("8 to 64 hex digits"), bad.err());
      Result none = run(bob.home, "inbox", "read", "00000000");
      assertEquals(1, none.code());
      assertTrue(none.err().contains("no inbox entry 00000000"), none.err());
      assertEquals(1, bob.node.inbox().unread());

      ok(bob.home, "inbox", "read", id.substring(0, 8));
      assertEquals(0, bob.node.inbox().unread());
    }
    bob.stop();
    // Without a running node the command opens the vault itself: the same entry, read.
    JsonObject o = ok(bob.home, "inbox", "--json").json();
    assertEquals(0, o.get("unread").getAsInt());
    assertEquals(id, o.getAsJsonArray("entries").get(0).getAsJsonObject().get("id").getAsString());
    ok(bob.home, "inbox", "dismiss", id);
    assertEquals(0, ok(bob.home, "inbox", "--json").json().getAsJsonArray("entries").size());
  }
}
