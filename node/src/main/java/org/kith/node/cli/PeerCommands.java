package org.kith.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kith.node.base.KithException;
import org.kith.node.peers.Peer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** invite, pair, peers. */
final class PeerCommands {
  private PeerCommands() {}

  static String seg(String s) {
    return NoteCommands.pathSegment(s);
  }

  @Command(name = "invite", mixinStandardHelpOptions = true,
      description = {"Make a one-time invite for someone you trust.",
        "The code is printed alone on the first line (and as a QR code on a terminal); they run",
        "`kith pair CODE` while your node runs (`kith start`)."})
  static final class Invite implements Callable<Integer> {
    @Option(names = "--circle", paramLabel = "CIRCLE", defaultValue = Peer.DEFAULT_CIRCLE,
        description = "The circle they join (default ${DEFAULT-VALUE}).")
    String circle;

    @Option(names = "--expires", paramLabel = "DURATION", defaultValue = "24h",
        description = "How long the code works: 30m, 24h, 7d (default ${DEFAULT-VALUE}; at most 30d).")
    String expires;

    @Option(names = "--uses", paramLabel = "N", defaultValue = "1", description = "How many people may use it (default 1).")
    int uses;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonObject body = new JsonObject();
      body.addProperty("circle", circle);
      body.addProperty("expiresSeconds", Durations.parse(expires, "--expires").toSeconds());
      body.addProperty("uses", uses);
      JsonObject o = c.call("POST", "/v1/invites", Map.of(), body).getAsJsonObject();
      t.json(o);
      String code = o.get("code").getAsString();
      t.say(code);
      if (c.interactive && !c.json) {
        t.say("");
        t.say(Qr.render(code));
      }
      if (!c.json) {
        t.note("Invite for circle '" + o.get("circle").getAsString() + "', " + uses + " use(s), until "
            + o.get("expiresAt").getAsString() + ". Reaches you at " + String.join(", ",
            o.getAsJsonArray("addresses").asList().stream().map(e -> e.getAsString()).toList()) + ".");
        t.note("Give it only to the person you mean: whoever holds it can pair with you.");
        if (c.api().isEmpty()) {
          t.note("Your node is not running: start it with `kith start` so the invite can be used.");
        }
      }
      return 0;
    }
  }

  @Command(name = "pair", mixinStandardHelpOptions = true,
      description = {"Pair with the person who gave you an invite code.",
        "Connects to their node, proves the code, and stores each other's key, name and circle. Then compare",
        "both fingerprints with them in person or by phone."})
  static final class Pair implements Callable<Integer> {
    @Parameters(paramLabel = "CODE", description = "The invite code (kithinv1...).")
    String code;

    @Option(names = "--name", paramLabel = "PETNAME", description = "What you call them (default: the name they chose).")
    String name;

    @Option(names = "--circle", paramLabel = "CIRCLE",
        description = "The circle you put them in (default: " + Peer.DEFAULT_CIRCLE + ", or theirs if paired before).")
    String circle;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15s", description = "How long to try (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonObject body = new JsonObject();
      body.addProperty("code", code);
      if (name != null) {
        body.addProperty("name", name);
      }
      if (circle != null) {
        body.addProperty("circle", circle);
      }
      body.addProperty("timeoutSeconds", Durations.parse(timeout, "--timeout").toSeconds());
      JsonObject p = c.call("POST", "/v1/pair", Map.of(), body).getAsJsonObject();
      t.json(p);
      t.say("Paired with " + p.get("petname").getAsString() + " (" + p.get("id").getAsString() + ")");
      t.say("  circle:             " + p.get("circle").getAsString());
      t.say("  their fingerprint:  " + p.get("fingerprint").getAsString());
      t.say("  your fingerprint:   " + p.get("yourFingerprint").getAsString());
      t.say("Compare both fingerprints with " + p.get("petname").getAsString() + " in person or by phone (not by the"
          + " way the code came): if they differ, someone else is in between; unpair with `kith peers unpair \""
          + p.get("petname").getAsString() + "\"`.");
      return 0;
    }
  }

  @Command(name = "peers", mixinStandardHelpOptions = true,
      description = "List the people you paired with, by circle; rename, move, unpair or block them.",
      subcommands = {Rename.class, Circle.class, Unpair.class, Block.class})
  static final class Peers implements Callable<Integer> {
    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonArray a = c.call("GET", "/v1/peers", Map.of(), null).getAsJsonArray();
      t.json(a);
      if (a.isEmpty()) {
        t.say("No peers yet. Make an invite with `kith invite`, or pair with someone's code: `kith pair CODE`.");
        return 0;
      }
      for (var e : a) {
        JsonObject p = e.getAsJsonObject();
        String state = p.get("blocked").getAsBoolean() ? "blocked"
            : p.get("unpairPending").getAsBoolean() ? "unpairing"
            : p.get("connected").getAsBoolean() ? NodeCommands.jsonStr(p, "link") : "offline";
        String seen = TimeWords.ago(p.get("lastSeen").isJsonNull() ? null : p.get("lastSeen").getAsString(),
            c.clock.millis());
        t.sayf("%-10s %-16s %-16s %s  last seen %s%n", p.get("circle").getAsString(), p.get("petname").getAsString(),
            state, p.get("id").getAsString().substring(0, 13) + "…", seen);
      }
      return 0;
    }
  }

  @Command(name = "rename", mixinStandardHelpOptions = true, description = "Give a peer a new petname (only you see it).")
  static final class Rename implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY", description = "The peer's id, a prefix of it, or its petname.")
    String key;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws KithException {
      JsonObject body = new JsonObject();
      body.addProperty("name", name);
      return show(Kith.ctx.call("PATCH", "/v1/peers/" + seg(key), Map.of(), body).getAsJsonObject(), "Renamed");
    }
  }

  @Command(name = "circle", mixinStandardHelpOptions = true, description = "Move a peer to another circle.")
  static final class Circle implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY", description = "The peer's id, a prefix of it, or its petname.")
    String key;

    @Parameters(index = "1", paramLabel = "CIRCLE")
    String circle;

    @Override
    public Integer call() throws KithException {
      JsonObject body = new JsonObject();
      body.addProperty("circle", circle);
      return show(Kith.ctx.call("PATCH", "/v1/peers/" + seg(key), Map.of(), body).getAsJsonObject(), "Moved");
    }
  }

  @Command(name = "unpair", mixinStandardHelpOptions = true,
      description = "Stop being paired with a peer; they are told when they are next reachable.")
  static final class Unpair implements Callable<Integer> {
    @Parameters(paramLabel = "KEY", description = "The peer's id, a prefix of it, or its petname.")
    String key;

    @Override
    public Integer call() throws KithException {
      Terminal t = Kith.ctx.terminal();
      JsonObject o = Kith.ctx.call("DELETE", "/v1/peers/" + seg(key), Map.of(), null).getAsJsonObject();
      t.json(o);
      t.say("Unpaired " + o.get("petname").getAsString() + (o.get("told").getAsBoolean() ? "; they were told."
          : "; they will be told when they are next reachable."));
      return 0;
    }
  }

  @Command(name = "block", mixinStandardHelpOptions = true,
      description = "Block a key: it cannot even finish a handshake with your node.")
  static final class Block implements Callable<Integer> {
    @Parameters(paramLabel = "KEY", description = "The peer's id, a prefix of it, or its petname.")
    String key;

    @Override
    public Integer call() throws KithException {
      return show(Kith.ctx.call("POST", "/v1/peers/" + seg(key) + "/block", Map.of(), new JsonObject())
          .getAsJsonObject(), "Blocked");
    }
  }

  static int show(JsonObject p, String verb) {
    Terminal t = Kith.ctx.terminal();
    t.json(p);
    t.say(verb + " " + p.get("petname").getAsString() + " (" + p.get("id").getAsString() + "), circle "
        + p.get("circle").getAsString());
    return 0;
  }

}
