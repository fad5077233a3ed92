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
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.kith.node.Importer;
import org.kith.node.KithException;
import org.kith.node.PersonalNode;
import org.kith.node.notes.Note;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** note add | import | list | show | rm, and search. */
@Command(name = "note", mixinStandardHelpOptions = true,
    description = "Write, import, list, show and remove notes in your vault (private unless you share them).",
    subcommands = {NoteCommands.Add.class, NoteCommands.Import.class, NoteCommands.ListNotes.class,
      NoteCommands.Show.class, NoteCommands.Remove.class})
final class NoteCommands implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(Kith.ctx.out);
  }

  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneId.systemDefault());

  static JsonObject noteJson(Note n, boolean withText) {
    JsonObject o = new JsonObject();
    o.addProperty("id", n.id().hex());
    o.addProperty("title", n.title());
    if (withText) {
      o.addProperty("text", n.text());
    }
    JsonArray tags = new JsonArray();
    n.tags().forEach(tags::add);
    o.add("tags", tags);
    o.addProperty("createdAt", Instant.ofEpochMilli(n.createdAtMillis()).toString());
    o.addProperty("source", n.source());
    return o;
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
      try (PersonalNode node = c.openNode()) {
        Note n = node.addNote(text, tags);
        t.json(noteJson(n, false));
        t.say(n.id().hex());
      }
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Import Markdown and text files, or folders of them (recursively; an Obsidian vault works).",
        "Long documents are split into passages at headings and paragraphs.",
        "Re-importing unchanged files adds nothing; a changed file replaces its earlier passages."})
  static final class Import implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "Files or folders.")
    List<Path> paths;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      try (PersonalNode node = c.openNode()) {
        Importer.Progress progress = Importer.Progress.NONE;
        ProgressBar[] bar = new ProgressBar[1];
        if (c.interactive && !c.json) {
          progress = new Importer.Progress() {
            @Override
            public void start(int totalFiles) {
              bar[0] = new ProgressBarBuilder().setTaskName("Importing").setInitialMax(totalFiles)
                  .setConsumer(new ConsoleProgressBarConsumer(c.err)).setUnit(" files", 1).build();
            }

            @Override
            public void done(Path file) {
              bar[0].step();
            }
          };
        }
        PersonalNode.ImportResult r;
        try {
          r = node.importPaths(paths, progress);
        } finally {
          if (bar[0] != null) {
            bar[0].close();
          }
        }
        JsonObject o = new JsonObject();
        o.addProperty("files", r.files());
        o.addProperty("unchanged", r.unchanged());
        o.addProperty("updated", r.updated());
        o.addProperty("notesAdded", r.notesAdded());
        o.addProperty("notesRemoved", r.notesRemoved());
        JsonArray skipped = new JsonArray();
        r.skipped().forEach(skipped::add);
        o.add("skipped", skipped);
        t.json(o);
        t.say(String.format(Locale.ROOT, "Imported %d files: %d new or changed, %d unchanged; %d passages added%s.",
            r.files(), r.updated(), r.unchanged(), r.notesAdded(),
            r.notesRemoved() > 0 ? ", " + r.notesRemoved() + " replaced" : ""));
        for (String s : r.skipped()) {
          t.say("  skipped " + s);
        }
      }
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
      try (PersonalNode node = c.openNode()) {
        JsonArray a = new JsonArray();
        List<Note> notes = node.listNotes();
        String want = tag == null ? null : tag.strip().replaceFirst("^#", "").toLowerCase(Locale.ROOT);
        int shown = 0;
        for (Note n : notes) {
          if (want != null && !n.tags().contains(want)) {
            continue;
          }
          shown++;
          a.add(noteJson(n, false));
          t.say(n.id().shortHex() + "  " + DATE.format(Instant.ofEpochMilli(n.createdAtMillis())) + "  "
              + n.title() + tagList(n.tags()));
        }
        if (shown == 0) {
          t.say(notes.isEmpty() ? "No notes yet. Add one with: kith note add \"...\"" : "No notes with that tag.");
        }
        t.json(a);
      }
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
      try (PersonalNode node = c.openNode()) {
        Note n = node.showNote(id);
        t.json(noteJson(n, true));
        t.say("id:      " + n.id().hex());
        t.say("title:   " + n.title());
        t.say("created: " + DATE.format(Instant.ofEpochMilli(n.createdAtMillis())));
        if (!n.tags().isEmpty()) {
          t.say("tags:   " + tagList(n.tags()));
        }
        if (n.source() != null) {
          t.say("source:  " + n.source());
        }
        t.say("");
        t.say(n.text());
      }
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
      try (PersonalNode node = c.openNode()) {
        Note n = node.removeNote(id);
        JsonObject o = new JsonObject();
        o.addProperty("id", n.id().hex());
        o.addProperty("removed", true);
        t.json(o);
        t.say("Removed " + n.id().shortHex() + "  " + n.title());
      }
      return 0;
    }
  }

  @Command(name = "search", mixinStandardHelpOptions = true,
      description = "Find your own notes by meaning (your vault only; `ask` will also ask your peers).")
  static final class Search implements Callable<Integer> {
    @Parameters(paramLabel = "QUERY", arity = "1..*", description = "What you are looking for, in plain words.")
    List<String> words;

    @Option(names = "-k", paramLabel = "N", defaultValue = "5", description = "How many results (default ${DEFAULT-VALUE}).")
    int k;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      try (PersonalNode node = c.openNode()) {
        List<PersonalNode.SearchHit> hits = node.search(String.join(" ", words), k);
        JsonArray a = new JsonArray();
        for (PersonalNode.SearchHit h : hits) {
          JsonObject o = noteJson(h.note(), false);
          o.addProperty("score", Math.round(h.score() * 10000) / 10000.0);
          a.add(o);
          t.sayf("%.3f  %s  %s%s%n", h.score(), h.note().id().shortHex(), h.note().title(), tagList(h.note().tags()));
        }
        if (hits.isEmpty()) {
          t.say("No notes yet. Add one with: kith note add \"...\"");
        }
        t.json(a);
      }
      return 0;
    }
  }
}
