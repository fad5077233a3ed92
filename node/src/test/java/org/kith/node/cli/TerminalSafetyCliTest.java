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
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.base.Home;
import org.kith.node.app.KithNode;
import org.kith.node.TestModel;
import org.kith.node.notes.Note;
import org.kith.node.peers.Peer;
import org.kith.protocol.identity.KeyPair;

/**
 * Text from peers (notes, offers, snippets, petnames) and messages that echo it reach the terminal cleaned of
 * escape sequences, controls and bidi overrides, while --json keeps the data exact.
 */
class TerminalSafetyCliTest {
  static final String PASS = "correct horse battery staple";

  /** Retitles the window, clears the screen, turns the text red, reverses part of the line. */
  static final String FIRST_LINE = "\u001b]0;pwned\u0007\u001b[2J\u001b[31mURGENT\u001b[0m call \u202eKCOL\u202c now";
  /** An 8-bit CSI and OSC, backspaces and a carriage return that would overwrite the line, a terminal reset. */
  static final String TEXT = FIRST_LINE
      + "\nthe ladder is in the shed \u009b2J\u009d0;x\u009c behind the hall\b\b\b\rspoofed\u001bc";
  static final String SHOWN_TITLE = "URGENT call KCOL now";
  static final String SHOWN_SECOND_LINE = "the ladder is in the shed  behind the hallspoofed";

  Path tmp;
  Path home;
  Map<String, String> env;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    tmp = Files.createTempDirectory("kith-term");
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
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Kith.run(all.toArray(String[]::new), env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, TestModel.source(),
        org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE);
    Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    assertSafe(r.out());
    assertSafe(r.err());
    return r;
  }

  Result ok(String... args) {
    Result r = run(args);
    assertEquals(0, r.code(), () -> "exit " + r.code() + " for " + TerminalTextTest.visible(String.join(" ", args))
        + "\nout: " + TerminalTextTest.visible(r.out()) + "\nerr: " + TerminalTextTest.visible(r.err()));
    return r;
  }

  /**
   * No control a terminal acts on (newline and tab aside), no bidi control, no lone surrogate: for --json
   * output too, where they are escaped.
   */
  static void assertSafe(String printed) {
    try {
      TerminalTextTest.assertSafe(printed);
    } catch (AssertionError e) {
      throw new AssertionError("unsafe output: " + TerminalTextTest.visible(printed), e);
    }
  }

  /** Human output also drops whole sequences: nothing of an OSC's payload shows. */
  static Result human(Result r) {
    assertFalse((r.out() + r.err()).contains("pwned"), () -> "an OSC payload was printed: "
        + TerminalTextTest.visible(r.out() + r.err()));
    return r;
  }

  @Test
  void noteListAndShow_printPeerControlledTextCleaned_jsonKeepsItExact() {
    ok("init", "--name", "Ann");
    String id = ok("note", "add", TEXT, "--tag", "\u001b[31mred").out().strip();

    Result list = human(ok("note", "list"));
    assertTrue(list.out().contains(SHOWN_TITLE + " #red"), list.out());
    assertFalse(list.out().contains("[2J") || list.out().contains("31m"), list.out());

    Result show = human(ok("note", "show", id.substring(0, 8)));
    assertTrue(show.out().contains("title:   " + SHOWN_TITLE + "\n"), show.out());
    assertTrue(show.out().contains(SHOWN_TITLE + "\n" + SHOWN_SECOND_LINE + "\n"), show.out());
    assertTrue(show.out().contains("tags:    #red\n"), show.out());

    JsonObject shown = JsonParser.parseString(ok("note", "show", id, "--json").out()).getAsJsonObject();
    assertEquals(TEXT, shown.get("text").getAsString());
    assertEquals(Note.firstLine(TEXT), shown.get("title").getAsString());
    assertEquals("\u001b[31mred", shown.getAsJsonArray("tags").get(0).getAsString());
    JsonArray listed = JsonParser.parseString(ok("note", "list", "--json").out()).getAsJsonArray();
    assertEquals(Note.firstLine(TEXT), listed.get(0).getAsJsonObject().get("title").getAsString());

    assertTrue(human(ok("search", "ladder in the shed")).out().contains(SHOWN_TITLE));
    assertTrue(human(ok("note", "rm", id)).out().contains(SHOWN_TITLE));
  }

  @Test
  void sharedAndAsk_printCleaned_jsonKeepsItExact() {
    ok("init", "--name", "Ann");
    ok("note", "add", TEXT);
    String offer = "I can lend a ladder \u001b]52;c;cm0gLXJmIH4=\u0007\u009b2J today";
    ok("offer", offer, "--with", "neighbours");

    Result shared = human(ok("shared"));
    assertTrue(shared.out().contains("I can lend a ladder  today"), shared.out());
    JsonArray sharedJson = JsonParser.parseString(ok("shared", "--json").out()).getAsJsonArray();
    assertEquals(offer, sharedJson.get(0).getAsJsonObject().get("snippet").getAsString());

    Result ask = human(ok("ask", "where is the ladder", "--hops", "0"));
    assertTrue(ask.out().contains(SHOWN_TITLE), ask.out());
    JsonObject asked = JsonParser.parseString(ok("ask", "where is the ladder", "--hops", "0", "--json").out())
        .getAsJsonObject();
    assertTrue(asked.toString().contains("\\u001b]0;pwned\\u0007"), "the snippet keeps every char: " + asked);
  }

  @Test
  void peers_printAPetnameCleaned_jsonKeepsItExact() throws Exception {
    ok("init", "--name", "Ann");
    // A name the peer chose for itself becomes the petname when pairing without --name.
    String petname = "\u001b]0;pwned\u0007Mal\u202elory\u001b[8m";
    try (KithNode node = KithNode.open(new Home(home), PASS.toCharArray(), KithNode.Options.of(TestModel.source()))) {
      node.peerBook().put(new Peer(KeyPair.generate().id(), petname, "friends", List.of(), 0, 0, false,
          false));
    }
    Result peers = human(ok("peers"));
    assertTrue(peers.out().contains("friends    Mallory "), peers.out());
    JsonArray json = JsonParser.parseString(ok("peers", "--json").out()).getAsJsonArray();
    assertEquals(petname, json.get(0).getAsJsonObject().get("petname").getAsString());
  }

  @Test
  void errorsThatEchoInput_areCleaned_inTextAndJson() {
    ok("init");
    // Too long a tag is refused with the tag in the message.
    String hostile = "\u001b]0;pwned\u0007\u009b2J" + "z".repeat(70);
    Result e = human(run("note", "add", "some text", "--tag", hostile));
    assertEquals(1, e.code());
    assertTrue(e.err().startsWith("kith: a tag is limited to") && e.err().contains(": " + "z".repeat(70) + "\n"),
        e.err());

    Result j = run("--json", "note", "add", "some text", "--tag", hostile);
    assertEquals(1, j.code());
    JsonObject o = JsonParser.parseString(j.out()).getAsJsonObject();
    assertTrue(o.get("error").getAsString().endsWith(": " + hostile.toLowerCase(java.util.Locale.ROOT)),
        TerminalTextTest.visible(o.toString()));

    Result usage = human(run("\u001b]0;pwned\u0007nosuchcommand"));
    assertEquals(2, usage.code());
    assertTrue(usage.err().contains("nosuchcommand"), usage.err());
  }
}
