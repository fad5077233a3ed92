package org.kith.node.notes;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.kith.node.base.KithException;
import org.kith.node.model.Hit;
import org.kith.node.model.Model;
import org.kith.node.model.VectorIndex;
import org.kith.node.notes.NoteCodec.MalformedValueException;
import org.kith.node.notes.NoteCodec.StoredVector;
import org.kith.node.notes.Passages.Passage;
import org.kith.node.vault.VaultSchema;
import org.kith.node.vault.Vaults;
import org.kith.storage.Batch;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;
import org.kith.storage.VaultReadOnlyException;

/**
 * The notes store and its in-memory vector index. The journey "note in" lives here: embed, then write note
 * and vector in one synced batch, then index. Imports replace what an earlier import of the same file stored.
 */
public final class NoteStore {
  /** Most results one search returns. */
  public static final int MAX_K = 100;

  /** A note and its cosine similarity to a query. */
  public record Scored(Note note, float score) {}

  /**
   * What an import did: files read, of which {@code imported} were new, {@code updated} changed and
   * {@code unchanged} the same as last time; notes added, updated in place (same id: {@code updatedNotes}) and
   * removed (their passage is gone); and the files skipped, with why.
   */
  public record ImportResult(int files, int imported, int updated, int unchanged, int notesAdded, int notesUpdated,
      int notesRemoved, List<NoteId> updatedNotes, Skipped skipped) {}

  /** What importing one source did: whether it was new, notes added, notes updated in place, notes removed. */
  record Replaced(boolean isNew, int added, List<NoteId> updated, int removed) {}

  /** Told of every change to the notes once it is committed, in order (search keeps its word index by it). */
  public interface Listener {
    void added(List<Note> notes);

    void removed(List<NoteId> ids);
  }

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  private final Vault vault;
  private final Model model;
  private final Clock clock;
  private VectorIndex index;

  public NoteStore(Vault vault, Model model, Clock clock) {
    this.vault = vault;
    this.model = model;
    this.clock = clock;
  }

  public Note add(String text, List<String> tags) throws KithException {
    return add(List.of(new Passage(null, text, tags)), null).get(0);
  }

  /** Embeds and stores passages in one atomic, synced batch; returns the notes created. */
  synchronized List<Note> add(List<Passage> passages, String sourcePrefix) throws KithException {
    List<Note> notes = new ArrayList<>(passages.size());
    long now = clock.millis();
    for (int i = 0; i < passages.size(); i++) {
      Passage p = passages.get(i);
      TextChecks.requireWellFormed("note text", p.text(), "nothing was added");
      TextChecks.requireWellFormed("note title", p.title(), "nothing was added");
      String text = p.text() == null ? "" : p.text().strip();
      if (text.isEmpty()) {
        throw KithException.badInput("a note needs some text");
      }
      if (text.length() > Note.MAX_TEXT_CHARS) {
        throw KithException.badInput(
            "a note is limited to " + Note.MAX_TEXT_CHARS + " characters; this one has " + text.length()
                + ": split it, or import it as a file (long files are split into passages)");
      }
      notes.add(new Note(NoteId.of(Vault.randomId()), p.title(), text, normaliseTags(p.tags()), now,
          sourcePrefix == null ? null : sourcePrefix + "#" + (i + 1)));
    }
    write(notes, List.of(), List.of(), null, null);
    return notes;
  }

  public static List<String> normaliseTags(List<String> tags) throws KithException {
    return normaliseTags(tags, "nothing was added");
  }

  /** As above; {@code outcome} ends each refusal ("nothing was added", "nothing was changed"). */
  static List<String> normaliseTags(List<String> tags, String outcome) throws KithException {
    List<String> out = new ArrayList<>();
    for (String t : tags == null ? List.<String>of() : tags) {
      if (t == null) {
        throw KithException.badInput("a tag is empty (null); " + outcome);
      }
      TextChecks.requireWellFormed("tag", t, outcome);
      String s = t.strip().replaceFirst("^#", "").toLowerCase(Locale.ROOT);
      if (s.isEmpty()) {
        continue;
      }
      if (s.length() > Note.MAX_TAG_CHARS) {
        throw KithException.badInput("a tag is limited to " + Note.MAX_TAG_CHARS + " characters (" + outcome + "): "
            + s);
      }
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    if (out.size() > Note.MAX_TAGS) {
      throw KithException.badInput("a note can have at most " + Note.MAX_TAGS + " tags; " + outcome);
    }
    return out;
  }

  /** Every note, oldest first. */
  public List<Note> list() throws KithException {
    List<Note> notes = new ArrayList<>();
    try {
      vault.forEach(Store.NOTES, (k, v) -> notes.add(decode(k, v)));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    } catch (UncheckedKith e) {
      throw e.cause;
    }
    notes.sort(Comparator.comparingLong(Note::createdAtMillis).thenComparing(Note::id));
    return notes;
  }

  public Note show(String idOrPrefix) throws KithException {
    NoteId id = resolve(idOrPrefix);
    byte[] v = get(id.bytes());
    if (v == null) {
      throw KithException.badInput("no note " + idOrPrefix);
    }
    return decodeChecked(id.bytes(), v);
  }

  public synchronized Note remove(String idOrPrefix) throws KithException {
    Note n = show(idOrPrefix);
    try (Batch batch = vault.batch()) {
      batch.delete(Store.NOTES, n.id().bytes());
      batch.delete(Store.VECTORS, n.id().bytes());
      batch.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    if (index != null) {
      index.remove(n.id().bytes());
    }
    for (Listener l : listeners) {
      l.removed(List.of(n.id()));
    }
    return n;
  }

  /**
   * Replaces a note's text and tags, keeping its id, creation time and source; a null argument keeps what the
   * note had. The text is embedded again and note and vector are written in one synced batch. A note whose
   * title came from its text gets the new first line as its title; an imported passage keeps its heading.
   */
  public synchronized Note edit(String idOrPrefix, String text, List<String> tags) throws KithException {
    if (text == null && tags == null) {
      throw KithException.badInput("give the note's new text, its tags, or both; nothing was changed");
    }
    TextChecks.requireWellFormed("note text", text, "nothing was changed");
    String t = text == null ? null : text.strip();
    if (t != null && t.isEmpty()) {
      throw KithException.badInput("a note needs some text (to remove it, delete it); nothing was changed");
    }
    if (t != null && t.length() > Note.MAX_TEXT_CHARS) {
      throw KithException.badInput("a note is limited to " + Note.MAX_TEXT_CHARS + " characters; this text has "
          + t.length() + ": shorten it or split it; nothing was changed");
    }
    List<String> newTags = tags == null ? null : normaliseTags(tags, "nothing was changed");
    Note old = show(idOrPrefix);
    String newText = t == null ? old.text() : t;
    boolean titleFromText = old.title().equals(Note.firstLine(old.text()));
    Note n = new Note(old.id(), titleFromText ? null : old.title(), newText,
        newTags == null ? old.tags() : newTags, old.createdAtMillis(), old.source(), clock.millis());
    write(List.of(n), List.of(), List.of(), null, null);
    return n;
  }

  /** Finds a note by its full id or a unique prefix of at least 4 hex digits. */
  public NoteId resolve(String idOrPrefix) throws KithException {
    String p = idOrPrefix == null ? "" : idOrPrefix.strip().toLowerCase(Locale.ROOT);
    if (p.length() < 4 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0) || p.length() > 32) {
      throw KithException.badInput("a note id is 4 to 32 hex digits (as `kith note list` shows): " + idOrPrefix);
    }
    if (p.length() == 32) {
      return NoteId.parseHex(p);
    }
    List<NoteId> matches = new ArrayList<>();
    try {
      vault.forEachKey(Store.NOTES, k -> {
        if (HexFormat.of().formatHex(k).startsWith(p)) {
          matches.add(NoteId.of(k));
        }
      });
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    if (matches.isEmpty()) {
      throw KithException.badInput("no note with id " + idOrPrefix + " (see `kith note list`)");
    }
    if (matches.size() > 1) {
      throw KithException.badInput("note id " + idOrPrefix + " is ambiguous: " + matches.size()
          + " notes start with it; give more digits");
    }
    return matches.get(0);
  }

  public int count() throws KithException {
    int[] n = {0};
    try {
      vault.forEachKey(Store.NOTES, k -> n[0]++);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    return n[0];
  }

  /**
   * Hands {@code l} every note held now, then tells it of each change. Both under the lock that orders changes,
   * so it misses none and sees none twice.
   */
  public synchronized void subscribe(Listener l) throws KithException {
    l.added(list());
    listeners.add(l);
  }

  /** The ids and cosine similarities of the {@code k} notes nearest to a query vector, best first. */
  public List<Hit> nearestHits(float[] query, int k) throws KithException {
    ensureIndex();
    return index().topK(query, k);
  }

  /** The cosine similarity of a note to a query vector; NaN when the note is gone. */
  public float similarity(NoteId id, float[] query) throws KithException {
    ensureIndex();
    return index().similarity(id.bytes(), query);
  }

  /** The note with this id, if it is still there. */
  public Optional<Note> find(NoteId id) throws KithException {
    byte[] v = get(id.bytes());
    return v == null ? Optional.empty() : Optional.of(decodeChecked(id.bytes(), v));
  }

  private synchronized VectorIndex index() {
    return index;
  }

  // ---- import

  public ImportResult importPaths(List<Path> paths, Importer.Progress progress) throws KithException {
    return new Importer(this).run(paths, progress);
  }

  public ImportResult importUploads(List<Importer.Upload> files) throws KithException {
    return importUploads(files, Importer.Progress.NONE);
  }

  public ImportResult importUploads(List<Importer.Upload> files, Importer.Progress progress) throws KithException {
    return new Importer(this).upload(files, progress);
  }

  byte[] sourceKey(Path file) {
    return VaultSchema.sourceFile(vault, file.toAbsolutePath().normalize().toString());
  }

  /** Keyed by a keyed hash of "upload:" and the file name, so re-uploading the same file adds nothing. */
  byte[] uploadKey(String name) {
    return VaultSchema.sourceUpload(vault, name);
  }

  /**
   * Imports one source's passages over what an earlier import of the same source stored, keeping note ids
   * ({@link PassageMatch}); null when the content is unchanged, and then nothing is written.
   */
  synchronized Replaced replaceSource(byte[] key, String contentHash, List<Passage> passages, String label)
      throws KithException {
    byte[] old = get(Store.SOURCES, key);
    List<Note> oldNotes = new ArrayList<>();
    if (old != null) {
      JsonObject o = JsonParser.parseString(new String(old, StandardCharsets.UTF_8)).getAsJsonObject();
      if (o.get("hash").getAsString().equals(contentHash)) {
        return null;
      }
      for (var e : o.getAsJsonArray("notes")) {
        NoteId id = NoteId.parseHex(e.getAsString());
        byte[] v = get(id.bytes());
        oldNotes.add(v == null ? null : decodeChecked(id.bytes(), v));
      }
    }
    List<Passage> normalised = new ArrayList<>(passages.size());
    for (Passage p : passages) {
      normalised.add(new Passage(p.title(), p.text(), normaliseTags(p.tags())));
    }
    PassageMatch.Plan plan = PassageMatch.plan(oldNotes, normalised, label, clock.millis(),
        () -> NoteId.of(Vault.randomId()));
    JsonObject src = new JsonObject();
    src.addProperty("v", 1);
    src.addProperty("hash", contentHash);
    JsonArray ids = new JsonArray();
    plan.order().forEach(id -> ids.add(id.hex()));
    src.add("notes", ids);
    write(plan.embed(), plan.relabel(), plan.gone(), key, src.toString().getBytes(StandardCharsets.UTF_8));
    return new Replaced(old == null, plan.added(), plan.updated(), plan.gone().size());
  }

  /**
   * Embeds {@code notes}, then deletes {@code gone} and writes the notes, their vectors, the notes in
   * {@code rewrite} (changed, but not their text: their vectors stay) and a source entry in one batch.
   */
  private void write(List<Note> notes, List<Note> rewrite, List<NoteId> gone, byte[] sourceKey, byte[] sourceValue)
      throws KithException {
    List<float[]> vectors = model.embed(notes.stream().map(Note::text).toList());
    ensureIndex();
    byte[] hash = model.weightsHash();
    try (Batch batch = vault.batch()) {
      for (NoteId id : gone) {
        batch.delete(Store.NOTES, id.bytes());
        batch.delete(Store.VECTORS, id.bytes());
      }
      for (int i = 0; i < notes.size(); i++) {
        batch.put(Store.NOTES, notes.get(i).id().bytes(), NoteCodec.encodeNote(notes.get(i)));
        batch.put(Store.VECTORS, notes.get(i).id().bytes(), NoteCodec.encodeVector(hash, vectors.get(i)));
      }
      for (Note n : rewrite) {
        batch.put(Store.NOTES, n.id().bytes(), NoteCodec.encodeNote(n));
      }
      if (sourceKey != null) {
        batch.put(Store.SOURCES, sourceKey, sourceValue);
      }
      batch.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    for (NoteId id : gone) {
      index.remove(id.bytes());
    }
    for (int i = 0; i < notes.size(); i++) {
      index.put(notes.get(i).id().bytes(), vectors.get(i));
    }
    for (Listener l : listeners) {
      if (!gone.isEmpty()) {
        l.removed(gone);
      }
      if (!notes.isEmpty()) {
        l.added(notes);
      }
    }
  }

  // ---- index

  /**
   * Loads every stored vector into memory. Vectors from another model (a different weights hash) and notes
   * without a vector are embedded again with the current model and written back: a re-index. Returns how
   * many notes were embedded again.
   */
  public synchronized int ensureIndex() throws KithException {
    if (index != null) {
      return 0;
    }
    int dims = model.dimensions();
    byte[] hash = model.weightsHash();
    VectorIndex idx = new VectorIndex(dims);
    Set<NoteId> indexed = new HashSet<>();
    try {
      vault.forEach(Store.VECTORS, (k, v) -> {
        StoredVector sv;
        try {
          sv = NoteCodec.decodeVector(v);
        } catch (MalformedValueException ex) {
          return;
        }
        if (Arrays.equals(sv.weightsSha256(), hash) && sv.vector().length == dims) {
          idx.put(k, sv.vector());
          indexed.add(NoteId.of(k));
        }
      });
      List<byte[]> missingIds = new ArrayList<>();
      vault.forEachKey(Store.NOTES, k -> {
        if (!indexed.contains(NoteId.of(k))) {
          missingIds.add(k);
        }
      });
      List<Note> missing = new ArrayList<>();
      for (byte[] k : missingIds) {
        byte[] v = vault.get(Store.NOTES, k);
        if (v != null) {
          missing.add(decodeChecked(k, v));
        }
      }
      if (!missing.isEmpty()) {
        List<float[]> vs = model.embed(missing.stream().map(Note::text).toList());
        for (int i = 0; i < missing.size(); i++) {
          idx.put(missing.get(i).id().bytes(), vs.get(i));
        }
        try (Batch batch = vault.batch()) {
          for (int i = 0; i < missing.size(); i++) {
            batch.put(Store.VECTORS, missing.get(i).id().bytes(), NoteCodec.encodeVector(hash, vs.get(i)));
          }
          batch.commit();
        } catch (VaultReadOnlyException e) {
          // The disk is full: search works from memory, and the next open with space embeds them again.
        }
      }
      try {
        vault.put(Store.META, VaultSchema.MODEL_KEY, (model.embedder().modelId().name() + "\n"
            + model.embedder().modelId().weightsSha256()).getBytes(StandardCharsets.UTF_8));
      } catch (VaultReadOnlyException e) {
        // As above: written at the next open with space.
      }
      index = idx;
      return missing.size();
    } catch (VaultException ex) {
      throw Vaults.translate(ex);
    }
  }

  private Note decode(byte[] key, byte[] value) {
    try {
      return decodeChecked(key, value);
    } catch (KithException e) {
      throw new UncheckedKith(e);
    }
  }

  private static Note decodeChecked(byte[] key, byte[] value) throws KithException {
    try {
      return NoteCodec.decodeNote(NoteId.of(key), value);
    } catch (MalformedValueException e) {
      throw KithException.badInput(e.getMessage() + "; the vault may be from a newer Kith");
    }
  }

  private byte[] get(byte[] noteKey) throws KithException {
    return get(Store.NOTES, noteKey);
  }

  private byte[] get(Store s, byte[] key) throws KithException {
    try {
      return vault.get(s, key);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  /** Carries a KithException out of a vault visitor lambda. */
  private static final class UncheckedKith extends RuntimeException {
    final KithException cause;

    UncheckedKith(KithException cause) {
      super(cause.getMessage(), cause, false, false);
      this.cause = cause;
    }
  }
}
