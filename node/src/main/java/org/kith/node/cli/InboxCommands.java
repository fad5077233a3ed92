package org.kith.node.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kith.node.base.KithException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code kith inbox}: peers' needs that your notes or offers fit, matched on this computer only. */
@Command(name = "inbox", mixinStandardHelpOptions = true,
    description = {"Peers' needs that your notes or offers fit, newest first (* = unread).",
      "Matched on this computer with your own model: nothing about a match is sent unless you answer."},
    subcommands = {InboxCommands.Read.class, InboxCommands.Dismiss.class})
final class InboxCommands implements Callable<Integer> {
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneId.systemDefault());

  @Override
  public Integer call() throws KithException {
    Kith.Context c = Kith.ctx;
    Terminal t = c.terminal();
    JsonObject o = c.call("GET", "/v1/inbox", Map.of(), null).getAsJsonObject();
    t.json(o);
    int n = o.getAsJsonArray("entries").size();
    if (n == 0) {
      t.say("Your inbox is empty: when a peer's need fits your notes or offers, it shows here.");
      return 0;
    }
    t.say(String.format(Locale.ROOT, "Inbox: %d entr%s, %d unread", n, n == 1 ? "y" : "ies",
        o.get("unread").getAsInt()));
    for (JsonElement e : o.getAsJsonArray("entries")) {
      show(t, e.getAsJsonObject());
    }
    t.say("Mark one read with `kith inbox read ID`, hide it with `kith inbox dismiss ID`.");
    return 0;
  }

  static void show(Terminal t, JsonObject e) {
    t.say((e.get("read").getAsBoolean() ? "  " : "* ") + e.get("id").getAsString().substring(0, 8) + "  "
        + DATE.format(Instant.parse(e.get("arrivedAt").getAsString())) + "  " + e.get("text").getAsString());
    for (JsonElement x : e.getAsJsonArray("offers")) {
      JsonObject m = x.getAsJsonObject();
      t.say(String.format(Locale.ROOT, "    offer %s  %s  (%.2f)", m.get("id").getAsString().substring(0, 8),
          org.kith.node.records.RecordText.snippetOf(m.get("text").getAsString()), m.get("score").getAsDouble()));
    }
    for (JsonElement x : e.getAsJsonArray("notes")) {
      JsonObject m = x.getAsJsonObject();
      t.say(String.format(Locale.ROOT, "    note  %s  %s  (%.2f)", m.get("id").getAsString().substring(0, 8),
          m.get("title").getAsString(), m.get("score").getAsDouble()));
    }
  }

  @Command(name = "read", mixinStandardHelpOptions = true, description = "Mark an inbox entry read.")
  static final class Read implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The entry's id as `kith inbox` shows it (8 or more hex digits).")
    String id;

    @Override
    public Integer call() throws KithException {
      return change(id, "read", "Marked read");
    }
  }

  @Command(name = "dismiss", mixinStandardHelpOptions = true,
      description = "Hide an inbox entry; it does not come back while the need lasts.")
  static final class Dismiss implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The entry's id as `kith inbox` shows it (8 or more hex digits).")
    String id;

    @Override
    public Integer call() throws KithException {
      return change(id, "dismiss", "Dismissed");
    }
  }

  static int change(String id, String action, String done) throws KithException {
    Kith.Context c = Kith.ctx;
    Terminal t = c.terminal();
    if (!id.matches("[0-9a-fA-F]{8,64}")) {
      throw KithException.badInput("an inbox id is 8 to 64 hex digits (as `kith inbox` shows): " + id
          + "; nothing was changed");
    }
    JsonObject o = c.call("POST", "/v1/inbox/" + id + "/" + action, Map.of(), null).getAsJsonObject();
    t.json(o);
    t.say(done + ": " + o.get("text").getAsString());
    return 0;
  }
}
