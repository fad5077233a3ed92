package org.kith.node.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.peers.ListenConfig;
import org.kith.node.app.KithNode;
import org.kith.node.model.EmbedderSource;
import org.kith.node.notes.NoteStore;
import org.kith.node.records.Held;
import org.kith.node.records.RecordText;
import org.kith.node.records.Sharing;
import org.kith.node.api.Router;
import org.kith.node.model.Embedder;
import org.kith.node.model.EmbeddingException;
import org.kith.node.notes.Note;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The community demo: three throwaway nodes (Alice, Bob, Carol) on loopback in temporary homes, Alice–Bob and
 * Bob–Carol paired. They import a bundled sample of notes, share some, publish topic profiles, ask each other,
 * and show that private notes never leave a vault and that hop rules hold. Everything is removed at the end.
 *
 * <p>Why one class of this size: it is a script, read top to bottom as the story the demo tells; each step
 * calls the same node code as the CLI and the API.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"See a small Kith community at work, without touching your own vault.",
      "Alice, Bob and Carol run three throwaway nodes on this machine, pair, share notes, offers and topic",
      "profiles, and ask each other questions; every answer says who wrote it and how it came. Removes",
      "everything it created."})
final class DemoCommand implements Callable<Integer> {
  static final String RESOURCES = "/org/kith/node/demo/";

  /** Words that occur only in the sample notes, some of them in private ones. */
  static final List<String> DISTINCTIVE = List.of(
      "zanzibarine", "quolliwobble", "flibbertigibbetous", "Okonkwo", "darning", "sourdough", "comfrey",
      "vulcanising", "babysitting");

  /** Words that occur only in the private sample notes. */
  static final List<String> PRIVATE_WORDS = List.of("zanzibarine", "quolliwobble", "flibbertigibbetous", "Okonkwo");

  static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);
  /** Cosine similarity below which the demo leaves an answer out as unrelated. */
  static final double MIN_SHOWN_SCORE = 0.25;

  @Option(names = "--keep", description = "Keep the temporary home folders instead of deleting them at the end.")
  boolean keep;

  /** One person of the demo, with a running node. */
  static final class Person implements AutoCloseable {
    final String name;
    final KithNode node;
    final Router router;

    Person(String name, Home home, char[] pass, EmbedderSource model, java.time.Clock clock)
        throws KithException {
      this.name = name;
      KithNode.Options o = KithNode.Options.of(model).withClock(clock);
      KithNode.init(home, pass, name, o).close();
      KithNode n = KithNode.open(home, pass, o);
      try {
        n.start(new ListenConfig("127.0.0.1", 0));
      } catch (KithException | RuntimeException e) {
        n.close();
        throw e;
      }
      this.node = n;
      this.router = new Router(n);
    }

    JsonElement call(String method, String path, Map<String, String> query, JsonObject body) throws KithException {
      return router.handle(new Router.Request(method, path, query, body == null ? new JsonObject() : body));
    }

    List<Note> notesFrom(String file) throws KithException {
      return node.notes().list().stream().filter(n -> n.source() != null && n.source().contains(file))
          .sorted(java.util.Comparator.comparing(Note::source)).toList();
    }

    JsonObject share(String file, String circle, int reach) throws KithException {
      Note n = notesFrom(file).get(0);
      JsonObject b = new JsonObject();
      b.addProperty("note", n.id().hex());
      b.addProperty("circle", circle);
      b.addProperty("reach", reach);
      return call("POST", "/v1/shares", Map.of(), b).getAsJsonObject();
    }

    @Override
    public void close() {
      node.close();
    }
  }

  /** One model shared by the three nodes, so the demo loads it once. */
  static final class SharedModel implements EmbedderSource {
    private final EmbedderSource source;
    private Embedder model;

    SharedModel(EmbedderSource source) {
      this.source = source;
    }

    @Override
    public synchronized Embedder load(Path cacheDir) throws EmbeddingException {
      if (model == null) {
        model = source.load(cacheDir);
      }
      return new org.kith.node.model.Borrowed(model);
    }

    synchronized void close() {
      if (model != null) {
        model.close();
      }
    }
  }

  @Override
  public Integer call() throws KithException {
    Kith.Context c = Kith.ctx;
    Terminal t = c.terminal();
    long started = System.nanoTime();
    Path dir;
    try {
      dir = Files.createTempDirectory("kith-demo-");
    } catch (IOException e) {
      throw KithException.badInput("cannot create a temporary folder: " + e.getMessage());
    }
    byte[] rnd = new byte[12];
    new SecureRandom().nextBytes(rnd);
    char[] pass = HexFormat.of().formatHex(rnd).toCharArray();
    SharedModel model = new SharedModel(c.embedders);
    List<Person> people = new ArrayList<>();
    try {
      Path samples = unpackSamples(dir.resolve("sample-notes"));
      t.say("== 1. Three neighbours start their own nodes");
      t.say("Alice, Bob and Carol each get a node with its own encrypted vault under " + dir + ",");
      t.say("listening on loopback. Nothing is shared with anyone yet.");
      Person alice = new Person("Alice", new Home(dir.resolve("alice")), pass, model, c.clock);
      people.add(alice);
      Person bob = new Person("Bob", new Home(dir.resolve("bob")), pass, model, c.clock);
      people.add(bob);
      Person carol = new Person("Carol", new Home(dir.resolve("carol")), pass, model, c.clock);
      people.add(carol);
      for (Person p : people) {
        NoteStore.ImportResult r = p.node.notes().importPaths(
            List.of(samples.resolve(p.name.toLowerCase(Locale.ROOT))), org.kith.node.notes.Importer.Progress.NONE);
        long priv = p.node.notes().list().stream().filter(n -> n.tags().contains(Sharing.PRIVATE_TAG))
            .count();
        t.sayf("  %-6s %s…  %d notes from %d files (%d tagged private)%n", p.name,
            p.node.id().text().substring(0, 16), r.notesAdded(), r.files(), priv);
      }
      t.say("");
      t.say("== 2. They pair with people they trust: Alice–Bob and Bob–Carol (Alice and Carol have never met)");
      pair(alice, bob, "neighbours");
      pair(bob, carol, "neighbours");
      t.say("  Alice put Bob in her circle 'neighbours'; Bob has Alice in 'friends' and Carol in 'neighbours';");
      t.say("  Carol has Bob in 'friends'. Each invite was a one-time code; the keys were checked by Secret Handshake.");
      t.say("");
      t.say("== 3. Each chooses what to share, with whom, for how long");
      shared(t, alice, alice.share("bike-repairs", "neighbours", 2), "reach 2: Bob may pass it on one hop");
      shared(t, alice, alice.share("tool-library", "neighbours", 1), "reach 1: Bob only");
      shared(t, alice, offer(alice, "offers", "I can lend a cordless drill and a 6-metre ladder for a weekend",
          "neighbours"), "");
      shared(t, bob, bob.share("childcare", "friends", 1), "");
      shared(t, bob, bob.share("sourdough", "neighbours", 2), "");
      shared(t, carol, carol.share("compost", "friends", 2), "");
      shared(t, carol, offer(carol, "needs", "Looking for someone to help fix a wobbly bicycle wheel", "friends"), "");
      shared(t, bob, offer(bob, "offers", "I can true a wobbly bike wheel if you bring it round on Saturday",
          "neighbours"), "");
      t.say("  Private notes stay put: sharing one is refused.");
      Note secret = alice.notesFrom("private-health").get(0);
      try {
        alice.node.sharing().shareNote(secret, "neighbours", 1, Sharing.DEFAULT_SHARE_EXPIRY);
        throw new IllegalStateException("a private note was shared");
      } catch (KithException e) {
        t.say("    kith share " + secret.id().hex().substring(0, 8) + " --with neighbours  ->  kith: "
            + e.getMessage().substring(0, e.getMessage().indexOf(';')) + " (exit " + e.exitCode() + ")");
      }
      t.say("");
      t.say("== 4. Topic profiles: what each knows about, without a word of any note");
      profile(t, alice, "neighbours");
      profile(t, bob, "friends");
      profile(t, bob, "neighbours");
      profile(t, carol, "friends");
      t.say("");
      t.say("== 5. Their nodes sync: each pulls what was shared with it, verifying every signature");
      for (Person p : people) {
        p.node.sync().syncNow().get(30, TimeUnit.SECONDS);
      }
      for (Person p : people) {
        t.sayf("  %-6s holds %d records its peers shared with it%n", p.name, p.node.records().peerCount());
      }
      t.say("");
      t.say("== 6. Asking the community (answers re-scored by the asker's own model, each signed by its author)");
      ask(t, c, bob, "how do I fix a flat bicycle tyre?", 1, "Bob asks his peers (hops 1)");
      ask(t, c, carol, "who can help fix my wobbly bike wheel?", 1, "Carol asks about her wheel, and an offer meets her need");
      ask(t, c, carol, "how do I fix a flat bicycle tyre?", 1,
          "Carol asks hers: Bob is her only peer and Alice's note is not his to share at hop 1");
      ask(t, c, carol, "how do I fix a flat bicycle tyre?", 2,
          "Carol asks with --hops 2: Bob relays what its author allowed one hop further, without saying who asked");
      ask(t, c, alice, "what can I do with kitchen scraps and dry leaves?", 2, "Alice asks with --hops 2");
      ask(t, c, carol, "can someone lend me a ladder?", 2,
          "Carol asks for a ladder with --hops 2: Alice's offer is reach 1, so it does not travel to Carol");
      ask(t, c, bob, "who around here knows about gardening, plants and watering?", 1,
          "Bob asks who knows about gardening: profiles answer without revealing any note");
      t.say("");
      t.say("== 7. Private notes never appear");
      privateCheck(t, c, people);
      t.say("");
      t.say("== 8. Taking something back");
      JsonObject tools = alice.call("GET", "/v1/shared", Map.of(), null).getAsJsonArray().asList().stream()
          .map(JsonElement::getAsJsonObject).filter(o -> o.get("title").getAsString().startsWith("Tools")).findFirst()
          .orElseThrow();
      alice.call("DELETE", "/v1/shared/" + tools.get("id").getAsString(), Map.of(), null);
      bob.node.sync().syncNow().get(30, TimeUnit.SECONDS);
      boolean gone = bob.node.records().peerRecords(h -> h.record.id().hex().equals(tools.get("id").getAsString()))
          .isEmpty();
      t.say("  Alice: kith unshare " + tools.get("id").getAsString().substring(0, 12) + "  -> a signed retraction;");
      t.say("  after the next sync Bob's node " + (gone ? "has deleted" : "STILL HOLDS (a bug)") + " \"Tools I can lend\".");
      t.say("");
      t.sayf("Done in %.1f s. Everything the demo created is being removed.%n", (System.nanoTime() - started) / 1e9);
      t.say("Make your own node with: ./kith init --name YOURNAME, then ./kith start, ./kith invite, ./kith share, ./kith ask");
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new KithException(KithException.UNREACHABLE, "the demo nodes did not sync: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KithException(KithException.UNREACHABLE, "interrupted");
    } finally {
      java.util.Arrays.fill(pass, '\0');
      for (int i = people.size() - 1; i >= 0; i--) {
        people.get(i).close();
      }
      model.close();
      if (keep) {
        t.say("Kept the demo homes at " + dir);
      } else {
        deleteTree(dir);
      }
    }
    return 0;
  }

  static void pair(Person inviter, Person invitee, String circle) throws KithException {
    String code = inviter.node.pairing().invite(circle, Duration.ofMinutes(10), 1).text();
    invitee.node.pairing().pair(code, null, Duration.ofSeconds(10), true);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!(inviter.node.peers().connectedPeers().contains(invitee.node.id())
        && invitee.node.peers().connectedPeers().contains(inviter.node.id()))) {
      if (System.nanoTime() > deadline) {
        throw new KithException(KithException.UNREACHABLE, "the demo nodes did not connect");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KithException(KithException.UNREACHABLE, "interrupted");
      }
    }
  }

  static JsonObject offer(Person p, String what, String text, String circle) throws KithException {
    JsonObject b = new JsonObject();
    b.addProperty("text", text);
    b.addProperty("circle", circle);
    return p.call("POST", "/v1/" + what, Map.of(), b).getAsJsonObject();
  }

  static void shared(Terminal t, Person p, JsonObject r, String why) {
    t.sayf("  %-6s shares %-7s \"%s\" with '%s'%s%n", p.name, r.get("kind").getAsString(),
        shorten(r.get("kind").getAsString().equals("note") ? r.get("title").getAsString() : r.get("snippet").getAsString(), 48),
        r.get("audience").getAsString(), why.isEmpty() ? "" : " (" + why + ")");
  }

  static String shorten(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }

  static void profile(Terminal t, Person p, String circle) throws KithException {
    JsonObject shown = p.call("GET", "/v1/profile", Map.of(), null).getAsJsonObject();
    List<String> topics = new ArrayList<>();
    for (JsonElement e : shown.getAsJsonArray("topics")) {
      JsonObject x = e.getAsJsonObject();
      List<String> labels = new ArrayList<>();
      x.getAsJsonArray("labels").forEach(l -> labels.add(l.getAsString()));
      topics.add(String.join(" ", labels) + " (" + RecordText.aboutNotes(x.get("noisyCount").getAsDouble()) + ")");
    }
    if (topics.isEmpty()) {
      t.sayf("  %-6s no topic has enough notes to publish without pointing at one note%n", p.name);
      return;
    }
    JsonObject b = new JsonObject();
    b.addProperty("circle", circle);
    p.call("POST", "/v1/profile/publish", Map.of(), b);
    t.sayf("  %-6s publishes to '%s': %s%n", p.name, circle, String.join("; ", topics));
  }

  static void ask(Terminal t, Kith.Context c, Person p, String question, int hops, String what) throws KithException {
    JsonObject b = new JsonObject();
    b.addProperty("question", question);
    b.addProperty("k", 3);
    b.addProperty("hops", hops);
    b.addProperty("timeoutMs", ASK_TIMEOUT.toMillis());
    JsonObject o = p.call("POST", "/v1/ask", Map.of(), b).getAsJsonObject();
    // Only answers that match well, so the story stays readable; `kith ask` shows all that pass the cut-off.
    com.google.gson.JsonArray relevant = new com.google.gson.JsonArray();
    o.getAsJsonArray("results").forEach(e -> {
      if (e.getAsJsonObject().get("score").getAsDouble() >= MIN_SHOWN_SCORE) {
        relevant.add(e);
      }
    });
    o.add("results", relevant);
    t.say("");
    t.say("  " + what + ":");
    t.say("  " + p.name.toLowerCase(Locale.ROOT) + "$ kith ask \"" + question + "\" --hops " + hops);
    ShareCommands.print(t, o, c.clock.millis());
  }

  /** Asks from every node for the private notes' words, and reads every record each node holds. */
  static void privateCheck(Terminal t, Kith.Context c, List<Person> people) throws KithException {
    int leaks = 0;
    for (Person p : people) {
      for (Held h : p.node.records().peerRecords(x -> true)) {
        String text = RecordText.text(h.record).toLowerCase(Locale.ROOT);
        for (String w : PRIVATE_WORDS) {
          if (text.contains(w.toLowerCase(Locale.ROOT))) {
            leaks++;
          }
        }
      }
      JsonObject b = new JsonObject();
      b.addProperty("question", "zanzibarine prescription, quolliwobble holiday fund, flibbertigibbetous diary");
      b.addProperty("k", 10);
      b.addProperty("hops", 2);
      b.addProperty("timeoutMs", ASK_TIMEOUT.toMillis());
      for (JsonElement e : p.call("POST", "/v1/ask", Map.of(), b).getAsJsonObject().getAsJsonArray("results")) {
        JsonObject r = e.getAsJsonObject();
        if (!r.get("author").getAsString().equals("you")) {
          String s = r.get("snippet").getAsString().toLowerCase(Locale.ROOT);
          for (String w : PRIVATE_WORDS) {
            if (s.contains(w.toLowerCase(Locale.ROOT))) {
              leaks++;
            }
          }
        }
      }
    }
    t.say("  Every node asked (hops 2) for words that occur only in private notes (" + String.join(", ",
        PRIVATE_WORDS.subList(0, 2)) + ", ...), and every record each node received was read:");
    t.say(leaks == 0 ? "  no answer and no received record contains them; private notes never left their vaults."
        : "  " + leaks + " FOUND: THIS IS A BUG, please report it.");
    t.say("  Each vault on disk is ciphertext too: every byte under each home folder was read, looking for "
        + DISTINCTIVE.size() + " words");
    t.say("  from the notes (" + String.join(", ", DISTINCTIVE.subList(0, 3)) + ", ...):");
    for (Person p : people) {
      scanDisk(t, p.name, p.node.home().dir());
    }
  }

  static Path unpackSamples(Path target) throws KithException {
    try {
      Files.createDirectories(target);
      for (String name : sampleNames()) {
        Path out = target.resolve(name);
        Files.createDirectories(out.getParent());
        try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCES + name)) {
          if (in == null) {
            throw new IllegalStateException("demo note missing from the jar: " + name);
          }
          Files.copy(in, out);
        }
      }
      return target;
    } catch (IOException e) {
      throw KithException.badInput("cannot write the sample notes: " + e.getMessage());
    }
  }

  static List<String> sampleNames() throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCES + "index.txt")) {
      if (in == null) {
        throw new IllegalStateException("demo index missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    }
  }

  private static long countFiles(Path dir) throws KithException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).count();
    } catch (IOException e) {
      throw KithException.badInput(e.getMessage());
    }
  }

  /** Reads every byte under one person's home folder and looks for the sample's distinctive words. */
  static void scanDisk(Terminal t, String name, Path home) throws KithException {
    List<Path> files = new ArrayList<>();
    long bytes = 0;
    int found = 0;
    try (Stream<Path> s = Files.walk(home)) {
      s.filter(Files::isRegularFile).forEach(files::add);
      for (Path f : files) {
        byte[] b = Files.readAllBytes(f);
        bytes += b.length;
        String asText = new String(b, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        for (String w : DISTINCTIVE) {
          if (asText.contains(w.toLowerCase(Locale.ROOT))) {
            found++;
            t.say("    FOUND \"" + w + "\" in " + name + "'s " + home.relativize(f));
          }
        }
      }
    } catch (IOException e) {
      throw KithException.badInput("cannot scan " + home + ": " + e.getMessage());
    }
    t.sayf("    %-6s %s%n", name + ":", String.format(Locale.ROOT, "%d files, %d bytes: ", files.size(), bytes)
        + (found == 0 ? "none of them appear (every note, vector and key is sealed with XChaCha20-Poly1305)"
            : found + " found: THIS IS A BUG, please report it"));
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: the folder is in the temp directory.
    }
  }
}
