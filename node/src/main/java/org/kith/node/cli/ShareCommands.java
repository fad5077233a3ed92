package org.kith.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kith.node.base.KithException;
import org.kith.node.records.RecordText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** share, offer, need, unshare, shared, ask, profile. */
final class ShareCommands {
  private ShareCommands() {}

  static void addExpiry(JsonObject body, String expires) throws KithException {
    if (expires != null) {
      body.addProperty("expiresSeconds", Durations.parse(expires, "--expires").toSeconds());
    }
  }

  static void printRecord(Terminal t, String verb, JsonObject r) {
    t.json(r);
    t.say(verb + " " + r.get("kind").getAsString() + " " + r.get("id").getAsString());
    t.say("  with circle '" + r.get("audience").getAsString() + "'" + (r.get("reach").getAsInt() == 2
        ? ", and their peers may relay it one hop" : "") + ", until " + r.get("expiresAt").getAsString());
    t.note(delivery(r));
  }

  /**
   * Who receives what was just shared, in one sentence that fits the case: nobody is in the circle yet (a
   * misspelt circle?), the node is not running, or the peers in it fetch it now.
   */
  static String delivery(JsonObject r) {
    String circle = r.get("audience").getAsString();
    long peers = r.has("peersInCircle") ? r.get("peersInCircle").getAsLong() : -1;
    if (peers == 0) {
      return "No paired peer is in circle '" + circle + "' yet: check its spelling with `kith peers`; whoever you"
          + " put in it later (`kith peers circle PEER " + circle + "`) receives it then.";
    }
    String who = peers < 0 ? "Peers in circle '" + circle + "'"
        : "The " + peers + (peers == 1 ? " peer" : " peers") + " in circle '" + circle + "'";
    return Kith.ctx.api().isPresent()
        ? who + " fetch it now if connected, the others when they next connect."
        : "Your node is not running: " + Character.toLowerCase(who.charAt(0)) + who.substring(1)
            + " receive it once you `kith start`.";
  }

  @Command(name = "share", mixinStandardHelpOptions = true,
      description = {"Share notes with a circle.",
        "Each note becomes a signed record with an expiry that your peers in that circle sync and can find.",
        "Give note ids, or --tag T for every note with that tag. Notes tagged 'private' are never shared.",
        "An unknown id shares nothing at all."})
  static final class Share implements Callable<Integer> {
    @Parameters(paramLabel = "NOTE_ID", arity = "0..*",
        description = "Note ids or unique prefixes (see `kith note list`).")
    List<String> notes = new ArrayList<>();

    @Option(names = "--tag", paramLabel = "T", description = "Share every note with this tag instead.")
    String tag;

    @Option(names = "--with", paramLabel = "CIRCLE", required = true, description = "The circle to share it with.")
    String circle;

    @Option(names = "--reach", paramLabel = "1|2", defaultValue = "1",
        description = "1: that circle only (default); 2: their peers may relay it one hop further.")
    int reach;

    @Option(names = "--expires", paramLabel = "DURATION", description = "How long it is shared (default 180d).")
    String expires;

    @Override
    public Integer call() throws KithException {
      if (notes.isEmpty() == (tag == null)) {
        throw KithException.badInput("give note ids (kith share ID... --with C) or --tag T (kith share --tag T"
            + " --with C), not both and not neither; nothing was shared");
      }
      JsonObject body = new JsonObject();
      if (tag != null) {
        body.addProperty("tag", tag);
      } else if (notes.size() == 1) {
        body.addProperty("note", notes.get(0));
      } else {
        body.add("notes", org.kith.node.api.Json.strings(notes));
      }
      body.addProperty("circle", circle);
      body.addProperty("reach", reach);
      addExpiry(body, expires);
      Terminal t = Kith.ctx.terminal();
      JsonObject r = Kith.ctx.call("POST", "/v1/shares", Map.of(), body).getAsJsonObject();
      if (body.has("note")) {
        printRecord(t, "Shared", r);
        return 0;
      }
      t.json(r);
      int n = r.get("count").getAsInt();
      int leftOut = r.get("leftOutPrivate").getAsInt();
      t.say("Shared " + n + (n == 1 ? " note" : " notes") + " with circle '" + r.get("audience").getAsString() + "'"
          + (r.get("reach").getAsInt() == 2 ? " (their peers may relay them one hop)" : "") + ", until "
          + r.get("expiresAt").getAsString() + (leftOut > 0 ? "; " + leftOut + " tagged 'private' left out" : "")
          + ".");
      t.note(delivery(r));
      return 0;
    }
  }

  abstract static class OfferBase implements Callable<Integer> {
    @Parameters(paramLabel = "TEXT", description = "What, in a sentence or two.")
    String text;

    @Option(names = "--with", paramLabel = "CIRCLE", required = true, description = "The circle to tell.")
    String circle;

    @Option(names = "--expires", paramLabel = "DURATION", description = "How long it stands (default 30d).")
    String expires;

    abstract String path();

    @Override
    public Integer call() throws KithException {
      JsonObject body = new JsonObject();
      body.addProperty("text", text);
      body.addProperty("circle", circle);
      addExpiry(body, expires);
      Terminal t = Kith.ctx.terminal();
      printRecord(t, "Shared", Kith.ctx.call("POST", path(), Map.of(), body).getAsJsonObject());
      return 0;
    }
  }

  @Command(name = "offer", mixinStandardHelpOptions = true,
      description = "Offer help or a thing to lend to a circle (a signed OFFER record, 30 days by default).")
  static final class Offer extends OfferBase {
    @Override
    String path() {
      return "/v1/offers";
    }
  }

  @Command(name = "need", mixinStandardHelpOptions = true,
      description = "Tell a circle what you need (a signed NEED record, 30 days by default).")
  static final class Need extends OfferBase {
    @Override
    String path() {
      return "/v1/needs";
    }
  }

  @Command(name = "unshare", mixinStandardHelpOptions = true,
      description = {"Take back something you shared.",
        "Signs a retraction that your peers apply at their next sync (honest nodes delete the record;",
        "nobody can be forced to forget)."})
  static final class Unshare implements Callable<Integer> {
    @Parameters(paramLabel = "RECORD_ID", description = "The record's id or a unique prefix (see `kith shared`).")
    String id;

    @Override
    public Integer call() throws KithException {
      Terminal t = Kith.ctx.terminal();
      JsonObject o = Kith.ctx.call("DELETE", "/v1/shared/" + PeerCommands.seg(id), Map.of(), null).getAsJsonObject();
      t.json(o);
      t.say("Retracted " + o.get("retracted").getAsString() + " (retraction " + o.get("id").getAsString() + ")");
      return 0;
    }
  }

  @Command(name = "shared", mixinStandardHelpOptions = true,
      description = "List what you share: notes, offers, needs and profiles, with their circle and expiry.")
  static final class Shared implements Callable<Integer> {
    @Override
    public Integer call() throws KithException {
      Terminal t = Kith.ctx.terminal();
      JsonArray a = Kith.ctx.call("GET", "/v1/shared", Map.of(), null).getAsJsonArray();
      t.json(a);
      if (a.isEmpty()) {
        t.say("You share nothing yet. Try `kith share NOTE_ID --with CIRCLE` or `kith offer \"...\" --with CIRCLE`.");
      }
      for (JsonElement e : a) {
        JsonObject r = e.getAsJsonObject();
        String kind = r.get("kind").getAsString();
        // A note by its title; an offer, need or profile by what it says (its title is only its kind).
        String label = kind.equals("note") || !r.has("snippet") ? r.get("title").getAsString()
            : r.get("snippet").getAsString();
        t.sayf("%s  %-7s %-12s until %s  %s%n", r.get("id").getAsString().substring(0, 16), kind,
            audience(r), r.get("expiresAt").getAsString().substring(0, 10), label);
      }
      return 0;
    }
  }

  /** The circle a record is shared with, in words: "neighbours", or "neighbours and their peers too" at reach 2. */
  static String audience(JsonObject r) {
    return r.get("audience").getAsString() + (r.get("reach").getAsInt() == 2 ? " and their peers too" : "");
  }

  @Command(name = "ask", mixinStandardHelpOptions = true,
      description = {"Ask your community in plain language.",
        "Searches your notes and what peers shared with you, and (with your node running) asks connected peers",
        "live. Every answer is signed by its author.",
        "Exit code 4 when every peer asked was unreachable and nothing of your own matched."})
  static final class Ask implements Callable<Integer> {
    @Parameters(paramLabel = "QUESTION")
    String question;

    @Option(names = "-k", paramLabel = "N", defaultValue = "5", description = "Answers wanted (1..50, default 5).")
    int k;

    @Option(names = "--hops", paramLabel = "0|1|2", defaultValue = "1",
        description = "0: what you hold; 1: also ask your peers (default); 2: and their peers (reach-2 records).")
    int hops;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s",
        description = "How long to wait for peers (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Duration d = Durations.parse(timeout, "--timeout");
      JsonObject body = new JsonObject();
      body.addProperty("question", question);
      body.addProperty("k", k);
      body.addProperty("hops", hops);
      body.addProperty("timeoutMs", d.toMillis());
      JsonObject o = c.call("POST", "/v1/ask", Map.of(), body).getAsJsonObject();
      t.json(o);
      print(t, o, c.clock.millis());
      if (hops > 0 && !o.get("running").getAsBoolean()) {
        t.note("Your node is not running, so no peer was asked live: start it with `kith start`.");
      }
      return 0;
    }
  }

  /** Prints an ask result for people; the demo uses it too. */
  static void print(Terminal t, JsonObject o, long nowMs) {
    JsonArray rs = o.getAsJsonArray("results");
    if (o.has("noGoodAnswer") && o.get("noGoodAnswer").getAsBoolean()) {
      t.say(o.get("asked").getAsInt() > 0 ? "  No good answer in your vault or from your peers."
          : "  No good answer in your vault.");
    } else if (rs.isEmpty()) {
      t.say("  (no answers)");
    }
    for (JsonElement e : rs) {
      JsonObject r = e.getAsJsonObject();
      List<String> path = new ArrayList<>();
      r.getAsJsonArray("path").forEach(p -> path.add(p.getAsString()));
      t.sayf("  %.2f  %s%n", r.get("score").getAsDouble(), r.get("title").getAsString());
      t.sayMarked("        ", r.get("passage").getAsString(), r.getAsJsonArray("highlights"));
      t.sayf("        %s from %s, %s, via %s%n", r.get("kind").getAsString(), r.get("author").getAsString(),
          TimeWords.ago(r.get("createdAt").getAsString(), nowMs), String.join(" → ", path));
    }
    JsonArray silent = o.getAsJsonArray("silent");
    if (!silent.isEmpty()) {
      List<String> s = new ArrayList<>();
      silent.forEach(x -> s.add(x.getAsJsonObject().get("peer").getAsString() + " ("
          + x.getAsJsonObject().get("reason").getAsString() + ")"));
      t.say("  Partial answer: no reply from " + String.join(", ", s) + ".");
    }
    if (o.get("rejected").getAsInt() > 0) {
      t.say("  Dropped " + o.get("rejected").getAsInt() + " records that did not verify or broke the hop rules.");
    }
  }

  @Command(name = "profile", mixinStandardHelpOptions = true,
      description = {"Show the topic profile of your notes, as `kith profile publish` would share it.",
        "All notes, or those with the given tags (never 'private' ones): at most 8 topics, each with label",
        "words found in two or more notes and a noisy count. No note text is in it."},
      subcommands = {Publish.class})
  static final class Profile implements Callable<Integer> {
    @Option(names = "--tag", paramLabel = "T", description = "Select notes with this tag (repeatable).")
    List<String> tags = new ArrayList<>();

    @Override
    public Integer call() throws KithException {
      Terminal t = Kith.ctx.terminal();
      JsonObject o = Kith.ctx.call("GET", "/v1/profile", tags.isEmpty() ? Map.of() : Map.of("tag", String.join(",", tags)),
          null).getAsJsonObject();
      t.json(o);
      JsonArray topics = o.getAsJsonArray("topics");
      int notes = o.get("notes").getAsInt();
      t.say("Topic profile of " + notes + (notes == 1 ? " note" : " notes") + (tags.isEmpty() ? "" : " tagged "
          + String.join(", ", tags)) + ": " + topics.size() + (topics.size() == 1 ? " topic" : " topics")
          + " (counts carry Laplace noise, ε = " + o.get("epsilon").getAsDouble() + ")");
      for (JsonElement e : topics) {
        JsonObject x = e.getAsJsonObject();
        List<String> labels = new ArrayList<>();
        x.getAsJsonArray("labels").forEach(l -> labels.add(l.getAsString()));
        t.sayf("  %-15s  %s%n", RecordText.aboutNotes(x.get("noisyCount").getAsDouble()), String.join(", ", labels));
      }
      return 0;
    }
  }

  @Command(name = "publish", mixinStandardHelpOptions = true,
      description = "Share the topic profile `kith profile` shows with a circle, as a signed PROFILE record.")
  static final class Publish implements Callable<Integer> {
    @Option(names = "--with", paramLabel = "CIRCLE", required = true, description = "The circle to share it with.")
    String circle;

    @Option(names = "--tag", paramLabel = "T", description = "Select notes with this tag (repeatable).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--expires", paramLabel = "DURATION", description = "How long it is shared (default 30d).")
    String expires;

    @Override
    public Integer call() throws KithException {
      JsonObject body = new JsonObject();
      body.addProperty("circle", circle);
      body.add("tags", org.kith.node.api.Json.strings(tags));
      addExpiry(body, expires);
      Terminal t = Kith.ctx.terminal();
      JsonObject r = Kith.ctx.call("POST", "/v1/profile/publish", Map.of(), body).getAsJsonObject();
      printRecord(t, "Published", r);
      return 0;
    }
  }
}
