package org.kith.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kith.node.base.KithException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** note add | import | list | show | edit | rm, and search. */
@Command(name = "note", mixinStandardHelpOptions = true,
    description = "Write, import, list, show, edit and remove notes in your vault (private unless you share them).",
    subcommands = {NoteCommands.Add.class, NoteCommands.Import.class, NoteCommands.ListNotes.class,
      NoteCommands.Show.class, NoteCommands.Edit.class, NoteCommands.Remove.class})
final class NoteCommands implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(Kith.ctx.out);
  }

  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneId.systemDefault());

  static List<String> tags(JsonObject o) {
    List<String> out = new ArrayList<>();
    o.getAsJsonArray("tags").forEach(e -> out.add(e.getAsString()));
    return out;
  }

  static String shortId(JsonObject o) {
    return o.get("id").getAsString().substring(0, 8);
  }

  static String date(JsonObject o) {
    return DATE.format(Instant.parse(o.get("createdAt").getAsString()));
  }

  static String tagList(List<String> tags) {
    return tags.isEmpty() ? "" : " #" + String.join(" #", tags);
  }

  @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a note; prints its id.")
  static final class Add implements Callable<Integer> {
    @Parameters(paramLabel = "TEXT", arity = "1..*", description = "The note's text (quote it, or give several words).")
    List<String> words;

    @Option(names = {"--tag", "-t"}, paramLabel = "T", description = "A tag; repeat for more.")
    List<String> tags = new ArrayList<>();

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      String text = String.join(" ", words);
      if (text.isBlank()) {
        throw KithException.badInput("the note is empty; nothing was added");
      }
      JsonObject body = new JsonObject();
      body.addProperty("text", text);
      body.add("tags", org.kith.node.api.Json.strings(tags));
      JsonObject n = c.call("POST", "/v1/notes", Map.of(), body).getAsJsonObject();
      t.json(n);
      t.say(n.get("id").getAsString());
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Import Markdown and text files, or folders of them (recursively; an Obsidian vault works).",
        "Long documents are split into passages at headings and paragraphs.",
        "Re-importing unchanged files writes nothing; a changed file updates its notes in place (same ids),",
        "and their shares are signed again with the new text."})
  static final class Import implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files or folders.")
    List<Path> paths;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonObject body = new JsonObject();
      // Absolute, so a running node (its own working folder) reads the same files this command names.
      body.add("paths", org.kith.node.api.Json.strings(
          paths.stream().map(p -> p.toAbsolutePath().normalize().toString()).toList()));
      JsonObject o;
      try (ImportProgressView view = new ImportProgressView(c)) {
        o = c.call("POST", "/v1/notes/import", Map.of(), body, view).getAsJsonObject();
      }
      t.json(o);
      t.say(o.get("summary").getAsString());
      int added = o.get("notesAdded").getAsInt();
      int updated = o.get("notesUpdated").getAsInt();
      int removed = o.get("notesRemoved").getAsInt();
      if (added + updated + removed > 0) {
        t.say(String.format(Locale.ROOT, "  notes: %d added, %d updated in place, %d removed", added, updated,
            removed));
      }
      o.getAsJsonArray("skipped").forEach(s -> t.say("  skipped " + s.getAsString()));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List your notes, oldest first.")
  static final class ListNotes implements Callable<Integer> {
    @Option(names = "--tag", paramLabel = "T", description = "Only notes with this tag.")
    String tag;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonArray a = c.call("GET", "/v1/notes", tag == null ? Map.of() : Map.of("tag", tag), null).getAsJsonArray();
      for (var e : a) {
        JsonObject n = e.getAsJsonObject();
        t.say(shortId(n) + "  " + date(n) + "  " + n.get("title").getAsString() + tagList(tags(n)));
      }
      if (a.isEmpty()) {
        t.say(tag == null ? "No notes yet. Add one with: kith note add \"...\"" : "No notes with that tag.");
      }
      t.json(a);
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one note in full.")
  static final class Show implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The note's id, or a unique prefix of 4+ digits.")
    String id;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonObject n = c.call("GET", "/v1/notes/" + pathSegment(id), Map.of(), null).getAsJsonObject();
      t.json(n);
      t.say("id:      " + n.get("id").getAsString());
      t.say("title:   " + n.get("title").getAsString());
      t.say("created: " + date(n));
      if (n.has("updatedAt") && !n.get("updatedAt").equals(n.get("createdAt"))) {
        t.say("edited:  " + DATE.format(Instant.parse(n.get("updatedAt").getAsString())));
      }
      if (!tags(n).isEmpty()) {
        t.say("tags:   " + tagList(tags(n)));
      }
      if (!n.get("source").isJsonNull()) {
        t.say("source:  " + n.get("source").getAsString());
      }
      t.say("");
      t.say(n.get("text").getAsString());
      return 0;
    }
  }

  @Command(name = "edit", mixinStandardHelpOptions = true,
      description = {"Change a note's text or tags; it keeps its id and is embedded again.",
        "A note you already shared stays shared as it was signed: unshare it and share it again."})
  static final class Edit implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The note's id, or a unique prefix of 4+ digits.")
    String id;

    @Option(names = "--text", paramLabel = "TEXT", description = "The new text (the note keeps its text without it).")
    String text;

    @Option(names = {"--tag", "-t"}, paramLabel = "T",
        description = "A tag; repeat for more. Given tags replace the note's tags; without --tag they stay.")
    List<String> tags;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      if (text == null && tags == null) {
        throw KithException.badInput("give --text TEXT, --tag T, or both; nothing was changed");
      }
      JsonObject body = new JsonObject();
      if (text != null) {
        body.addProperty("text", text);
      }
      if (tags != null) {
        body.add("tags", org.kith.node.api.Json.strings(tags));
      }
      JsonObject n = c.call("PATCH", "/v1/notes/" + pathSegment(id), Map.of(), body).getAsJsonObject();
      t.json(n);
      t.say("Edited " + shortId(n) + "  " + n.get("title").getAsString() + tagList(tags(n)));
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a note and its vector from the vault.")
  static final class Remove implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "The note's id, or a unique prefix of 4+ digits.")
    String id;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonObject n = c.call("DELETE", "/v1/notes/" + pathSegment(id), Map.of(), null).getAsJsonObject();
      t.json(n);
      t.say("Removed " + shortId(n) + "  " + n.get("title").getAsString());
      return 0;
    }
  }

  /** Ids go into a URL path: anything but hex digits is refused by the route anyway, so keep it inert. */
  static String pathSegment(String s) {
    return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Command(name = "search", mixinStandardHelpOptions = true,
      description = {"Find your own notes by meaning and by their words.",
        "Your vault only; `ask` also asks your peers. Shows each note's title and, under it, the passage that matched; says \"No good answer\" when",
        "nothing fits well enough."})
  static final class Search implements Callable<Integer> {
    @Parameters(paramLabel = "QUERY", arity = "1..*", description = "What you are looking for, in plain words.")
    List<String> words;

    @Option(names = "-k", paramLabel = "N", defaultValue = "5", description = "How many results (default ${DEFAULT-VALUE}).")
    int k;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonObject o = c.call("GET", "/v1/search", Map.of("q", String.join(" ", words), "k", Integer.toString(k)),
          null).getAsJsonObject();
      t.json(o);
      JsonArray a = o.getAsJsonArray("results");
      for (var e : a) {
        JsonObject h = e.getAsJsonObject();
        t.sayf("%.2f  %s  %s%s%n", h.get("score").getAsDouble(), shortId(h), h.get("title").getAsString(),
            tagList(tags(h)));
        if (!h.get("passage").getAsString().isEmpty()) {
          t.sayMarked("      ", h.get("passage").getAsString(), h.getAsJsonArray("highlights"));
        }
      }
      if (o.get("noGoodAnswer").getAsBoolean()) {
        t.say("No good answer in your vault. Try other words, or see all your notes with `kith note list`.");
      } else if (a.isEmpty()) {
        t.say("No notes yet. Add one with: kith note add \"...\"");
      }
      return 0;
    }
  }
}
