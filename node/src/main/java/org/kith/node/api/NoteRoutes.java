package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kith.node.app.KithNode;
import org.kith.node.base.KithException;
import org.kith.node.api.Router.Route;
import org.kith.node.events.Events;
import org.kith.node.events.NodeEvent;
import org.kith.node.notes.Importer;
import org.kith.node.notes.Note;
import org.kith.node.notes.NoteId;
import org.kith.node.notes.NoteStore;
import org.kith.node.search.NoteSearch;

/** Notes and searching your own vault: {@code /v1/notes…} and {@code /v1/search}. */
public final class NoteRoutes {
  public static final int MAX_IMPORT_PATHS = 1000;

  private NoteRoutes() {}

  static List<Route> routes(KithNode node) {
    return List.of(
        new Route("GET", "/v1/notes", c -> list(node, c.query("tag"))),
        new Route("POST", "/v1/notes", c -> add(node, c.body())),
        new Route("POST", "/v1/notes/import", c -> importPaths(node, c.body(), c.progress())),
        new Route("POST", "/v1/notes/upload", c -> upload(node, c.body(), c.progress())),
        new Route("GET", "/v1/notes/{id}", c -> Json.note(node.notes().show(c.param(0)), true)),
        new Route("PATCH", "/v1/notes/{id}", c -> edit(node, c.param(0), c.body())),
        new Route("DELETE", "/v1/notes/{id}", c -> remove(node, c.param(0))),
        new Route("GET", "/v1/search", c -> search(node, c.query("q"), c.query("k"))));
  }

  static JsonArray list(KithNode node, String tag) throws KithException {
    String want = tag == null || tag.isBlank() ? null : tag.strip().replaceFirst("^#", "").toLowerCase(Locale.ROOT);
    JsonArray a = new JsonArray();
    for (Note n : node.notes().list()) {
      if (want == null || n.tags().contains(want)) {
        a.add(Json.note(n, false));
      }
    }
    return a;
  }

  static JsonObject add(KithNode node, JsonObject body) throws KithException {
    String text = Json.str(body, "text", null);
    if (text == null || text.isBlank()) {
      throw KithException.badInput("the note is empty; nothing was added");
    }
    return Json.note(node.notes().add(text, Json.strings(body, "tags")), false);
  }

  /**
   * {@code {text?, tags?}}: what is given replaces what the note had; what is left out stays. Its live shares are
   * signed again with the new text (or withdrawn, if it is now private or too long to share), as after a re-import.
   */
  static JsonObject edit(KithNode node, String id, JsonObject body) throws KithException {
    String text = Json.str(body, "text", null);
    List<String> tags = body.has("tags") && !body.get("tags").isJsonNull() ? Json.strings(body, "tags") : null;
    Note n = node.notes().edit(id, text, tags);
    org.kith.node.records.Sharing.Refreshed r = node.sharing().refreshShares(List.of(n));
    JsonObject o = Json.note(n, true);
    o.addProperty("sharesResigned", r.resigned());
    o.addProperty("sharesWithdrawn", r.withdrawn());
    return o;
  }

  static JsonObject remove(KithNode node, String id) throws KithException {
    JsonObject o = Json.note(node.notes().remove(id), false);
    o.addProperty("removed", true);
    return o;
  }

  static JsonObject importPaths(KithNode node, JsonObject body, Router.Progress progress) throws KithException {
    if (!body.has("paths")) {
      throw KithException.badInput("give {\"paths\": [\"FILE or FOLDER\", ...]}");
    }
    List<String> given = Json.strings(body, "paths");
    if (given.size() > MAX_IMPORT_PATHS) {
      throw KithException.badInput("at most " + MAX_IMPORT_PATHS + " paths at once");
    }
    List<Path> paths = new ArrayList<>();
    for (String p : given) {
      try {
        paths.add(Path.of(p));
      } catch (java.nio.file.InvalidPathException e) {
        throw KithException.badInput("not a path: " + p);
      }
    }
    return imported(node, node.notes().importPaths(paths, new ImportProgress(node.events(), progress)));
  }

  /**
   * An import's result as JSON, once the shares of the notes it changed were signed again (the CLI, when it
   * opens the vault itself, ends its import here too).
   */
  public static JsonObject imported(KithNode node, NoteStore.ImportResult r) throws KithException {
    List<Note> changed = new ArrayList<>();
    for (NoteId id : r.updatedNotes()) {
      changed.add(node.notes().show(id.hex()));
    }
    return Json.importResult(r, node.sharing().refreshShares(changed));
  }

  /** The page's file picker and drop zone: files sent as text. */
  static JsonObject upload(KithNode node, JsonObject body, Router.Progress progress) throws KithException {
    if (!body.has("files")) {
      throw KithException.badInput("give {\"files\": [{\"name\": ..., \"text\": ...}]}");
    }
    List<Importer.Upload> files = new ArrayList<>();
    for (JsonObject f : Json.objects(body, "files")) {
      files.add(new Importer.Upload(Json.str(f, "name", ""), Json.str(f, "text", "")));
    }
    return imported(node, node.notes().importUploads(files, new ImportProgress(node.events(), progress)));
  }

  /**
   * Reports an import's progress to the caller and as an event, at most {@value #STEPS} times plus the start, so a
   * folder of 100,000 files streams a hundred lines, not a hundred thousand.
   */
  static final class ImportProgress implements Importer.Progress {
    static final int STEPS = 100;
    private final Events events;
    private final Router.Progress to;
    private int total;
    private int done;
    private int lastStep = -1;

    ImportProgress(Events events, Router.Progress to) {
      this.events = events;
      this.to = to;
    }

    @Override
    public void start(int totalFiles) {
      total = totalFiles;
      report();
    }

    @Override
    public void done(Path file) {
      done++;
      report();
    }

    private void report() {
      int step = total == 0 ? STEPS : (int) ((long) done * STEPS / total);
      if (step == lastStep) {
        return;
      }
      lastStep = step;
      JsonObject p = new JsonObject();
      p.addProperty("done", done);
      p.addProperty("total", total);
      to.report(p);
      events.publish(new NodeEvent(NodeEvent.IMPORT_PROGRESS, p));
    }
  }

  /**
   * The notes that match well enough, best first, each with the passage that matched and where the question's
   * words stand in it; {@code noGoodAnswer} when the vault has notes but none passed the cut-off.
   */
  static JsonObject search(KithNode node, String text, String kText) throws KithException {
    int k;
    try {
      k = Integer.parseInt(kText == null ? "5" : kText);
    } catch (NumberFormatException e) {
      throw KithException.badInput("k must be a number: " + kText);
    }
    NoteSearch.Result r = node.search().search(text, k);
    JsonArray a = new JsonArray();
    for (NoteSearch.Match m : r.matches()) {
      JsonObject o = Json.note(m.note(), false);
      o.addProperty("score", Math.round(m.score() * 10000) / 10000.0);
      Json.passage(o, m.passage());
      a.add(o);
    }
    JsonObject o = new JsonObject();
    o.add("results", a);
    o.addProperty("noGoodAnswer", r.noGoodAnswer());
    return o;
  }
}
