package org.kith.node;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.model.Embedder;
import org.kith.node.model.EmbeddingException;
import org.kith.node.model.Hit;
import org.kith.node.model.VectorIndex;
import org.kith.node.notes.Note;
import org.kith.node.notes.NoteCodec;
import org.kith.node.notes.NoteCodec.MalformedValueException;
import org.kith.node.notes.NoteCodec.StoredVector;
import org.kith.node.notes.NoteId;
import org.kith.node.notes.Passages;
import org.kith.node.notes.Passages.Passage;
import org.kith.node.notes.TextChecks;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.Batch;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;

/**
 * One person's node with its vault open: identity, notes, their vectors and the in-memory index. The
 * journey "note in" lives here: embed, then write note and vector in one synced batch, then index.
 */
public final class PersonalNode implements AutoCloseable {
  /** Loads the model on first need, so commands that do not embed never pay for it. */
  public interface EmbedderSource {
    Embedder load(Path cacheDir) throws EmbeddingException;
  }

  static final byte[] SELF_KEY = {0x01};
  static final byte[] MODEL_KEY = {0x01};
  private static final byte IDENTITY_VERSION = 1;
  public static final int MAX_K = 100;
  private static final int EMBED_BATCH = 1024;

  private final Home home;
  private final Vault vault;
  private final EmbedderSource embedderSource;
  private final Clock clock;
  private final AtomicBoolean closed = new AtomicBoolean();
  private Embedder embedder;
  private VectorIndex index;
  private KeyPair keyPair;
  private String name;

  private PersonalNode(Home home, Vault vault, EmbedderSource embedderSource, Clock clock) {
    this.home = home;
    this.vault = vault;
    this.embedderSource = embedderSource;
    this.clock = clock;
  }

  /** Creates the home, the vault and a new identity. Refuses if a vault is already there. */
  public static PersonalNode init(Home home, char[] passphrase, String name, EmbedderSource embedders, Clock clock)
      throws KithException {
    if (Vault.exists(home.vaultDir())) {
      throw KithException.badInput(
          "a Kith vault already exists at " + home.vaultDir() + "; nothing was changed (use --home for another)");
    }
    if (passphrase.length < 8) {
      throw KithException.badInput("the passphrase is too short: use at least 8 characters");
    }
    try {
      Files.createDirectories(home.dir());
    } catch (IOException e) {
      throw KithException.badInput("cannot create the home folder " + home.dir() + ": " + e.getMessage());
    }
    Vault vault = Vaults.create(home.vaultDir(), passphrase);
    PersonalNode node = new PersonalNode(home, vault, embedders, clock);
    try (KeyPair kp = KeyPair.generate()) {
      byte[] sk = kp.secretKey();
      byte[] nameBytes = (name == null ? "" : name.strip()).getBytes(StandardCharsets.UTF_8);
      byte[] value = new byte[1 + sk.length + nameBytes.length];
      value[0] = IDENTITY_VERSION;
      System.arraycopy(sk, 0, value, 1, sk.length);
      System.arraycopy(nameBytes, 0, value, 1 + sk.length, nameBytes.length);
      Arrays.fill(sk, (byte) 0);
      vault.put(Store.IDENTITY, SELF_KEY, value);
      Arrays.fill(value, (byte) 0);
    } catch (VaultException e) {
      node.close();
      throw Vaults.translate(e);
    }
    return node;
  }

  public static PersonalNode open(Home home, char[] passphrase, EmbedderSource embedders, Clock clock)
      throws KithException {
    return new PersonalNode(home, Vaults.open(home.vaultDir(), passphrase), embedders, clock);
  }

  public Home home() {
    return home;
  }

  public Vault vault() {
    return vault;
  }

  // ---- identity

  public synchronized KeyPair keyPair() throws KithException {
    assertOpen();
    if (keyPair == null) {
      byte[] v = get(Store.IDENTITY, SELF_KEY);
      if (v == null || v.length < 65 || v[0] != IDENTITY_VERSION) {
        throw new KithException(KithException.BAD_INPUT,
            "this vault has no identity record; it may be damaged: restore it from a backup");
      }
      keyPair = KeyPair.fromSecretKey(Arrays.copyOfRange(v, 1, 65));
      name = new String(v, 65, v.length - 65, StandardCharsets.UTF_8);
      Arrays.fill(v, (byte) 0);
    }
    return keyPair;
  }

  public PublicId id() throws KithException {
    return keyPair().id();
  }

  public synchronized String name() throws KithException {
    keyPair();
    return name;
  }

  // ---- notes

  public Note addNote(String text, List<String> tags) throws KithException {
    return addNotes(List.of(new Passage(null, text, tags)), null).get(0);
  }

  /** Embeds and stores passages in one atomic, synced batch; returns the notes created. */
  synchronized List<Note> addNotes(List<Passage> passages, String sourcePrefix) throws KithException {
    assertOpen();
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
    List<float[]> vectors = embedAll(notes.stream().map(Note::text).toList());
    ensureIndex();
    byte[] hash = weightsHash();
    try (Batch batch = vault.batch()) {
      for (int i = 0; i < notes.size(); i++) {
        Note n = notes.get(i);
        batch.put(Store.NOTES, n.id().bytes(), NoteCodec.encodeNote(n));
        batch.put(Store.VECTORS, n.id().bytes(), NoteCodec.encodeVector(hash, vectors.get(i)));
      }
      batch.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    for (int i = 0; i < notes.size(); i++) {
      index.put(notes.get(i).id().bytes(), vectors.get(i));
    }
    return notes;
  }

  static List<String> normaliseTags(List<String> tags) throws KithException {
    List<String> out = new ArrayList<>();
    for (String t : tags == null ? List.<String>of() : tags) {
      TextChecks.requireWellFormed("tag", t, "nothing was added");
      String s = t.strip().replaceFirst("^#", "").toLowerCase(Locale.ROOT);
      if (s.isEmpty()) {
        continue;
      }
      if (s.length() > Note.MAX_TAG_CHARS) {
        throw KithException.badInput("a tag is limited to " + Note.MAX_TAG_CHARS + " characters: " + s);
      }
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    if (out.size() > Note.MAX_TAGS) {
      throw KithException.badInput("a note can have at most " + Note.MAX_TAGS + " tags");
    }
    return out;
  }

  /** Every note, oldest first. */
  public List<Note> listNotes() throws KithException {
    assertOpen();
    List<Note> notes = new ArrayList<>();
    try {
      vault.forEach(Store.NOTES, (k, v) -> notes.add(decode(k, v)));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    notes.sort(Comparator.comparingLong(Note::createdAtMillis).thenComparing(Note::id));
    return notes;
  }

  public Note showNote(String idOrPrefix) throws KithException {
    NoteId id = resolve(idOrPrefix);
    byte[] v = get(Store.NOTES, id.bytes());
    if (v == null) {
      throw KithException.badInput("no note " + idOrPrefix);
    }
    return decode(id.bytes(), v);
  }

  public synchronized Note removeNote(String idOrPrefix) throws KithException {
    Note n = showNote(idOrPrefix);
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

  // ---- search

  /** A search result: the note and its cosine similarity to the query. */
  public record SearchHit(Note note, float score) {}

  public List<SearchHit> search(String query, int k) throws KithException {
    assertOpen();
    if (query == null || query.isBlank()) {
      throw KithException.badInput("the search query is empty");
    }
    if (k < 1 || k > MAX_K) {
      throw KithException.badInput("-k must be between 1 and " + MAX_K + ": " + k);
    }
    float[] q = embedAll(List.of(query)).get(0);
    ensureIndex();
    List<SearchHit> hits = new ArrayList<>();
    for (Hit h : index.topK(q, k)) {
      byte[] v = get(Store.NOTES, h.id());
      if (v != null) {
        hits.add(new SearchHit(decode(h.id(), v), h.score()));
      }
    }
    return hits;
  }

  /** {@link #search} with a vector the caller embedded already (asking embeds the question once). */
  public List<SearchHit> searchVector(float[] q, int k) throws KithException {
    assertOpen();
    ensureIndex();
    List<SearchHit> hits = new ArrayList<>();
    for (Hit h : index.topK(q, k)) {
      byte[] v = get(Store.NOTES, h.id());
      if (v != null) {
        hits.add(new SearchHit(decode(h.id(), v), h.score()));
      }
    }
    return hits;
  }

  /** "not loaded", or the model's name once it is. */
  public synchronized String modelState() {
    return embedder == null ? "not loaded" : embedder.modelId().name();
  }

  public int noteCount() throws KithException {
    int[] n = {0};
    try {
      vault.forEachKey(Store.NOTES, k -> n[0]++);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    return n[0];
  }

  // ---- import

  /** What an import did. */
  public record ImportResult(int files, int unchanged, int updated, int notesAdded, int notesRemoved,
      List<String> skipped) {}

  public ImportResult importPaths(List<Path> paths, Importer.Progress progress) throws KithException {
    return new Importer(this).run(paths, progress);
  }

  public ImportResult importUploads(List<Importer.Upload> files) throws KithException {
    return new Importer(this).upload(files);
  }

  byte[] sourceKey(Path file) {
    return vault.lookupKey(Store.SOURCES, file.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Imports one file's passages, replacing what an earlier import of the same path stored. */
  synchronized int[] replaceSource(Path file, String contentHash, List<Passage> passages, String label)
      throws KithException {
    return replaceSource(sourceKey(file), contentHash, passages, label);
  }

  /** Keyed by a keyed hash of "upload:" and the file name, so re-uploading the same file adds nothing. */
  byte[] uploadKey(String name) {
    return vault.lookupKey(Store.SOURCES, ("upload:" + name).getBytes(StandardCharsets.UTF_8));
  }

  synchronized int[] replaceSource(byte[] key, String contentHash, List<Passage> passages, String label)
      throws KithException {
    byte[] old = get(Store.SOURCES, key);
    List<NoteId> oldNotes = new ArrayList<>();
    if (old != null) {
      JsonObject o = JsonParser.parseString(new String(old, StandardCharsets.UTF_8)).getAsJsonObject();
      if (o.get("hash").getAsString().equals(contentHash)) {
        return null;
      }
      o.getAsJsonArray("notes").forEach(e -> oldNotes.add(NoteId.parseHex(e.getAsString())));
    }
    List<Note> notes = new ArrayList<>();
    long now = clock.millis();
    for (int i = 0; i < passages.size(); i++) {
      Passage p = passages.get(i);
      notes.add(new Note(NoteId.of(Vault.randomId()), p.title(), p.text(), normaliseTags(p.tags()), now,
          label + "#" + (i + 1)));
    }
    List<float[]> vectors = embedAll(notes.stream().map(Note::text).toList());
    ensureIndex();
    byte[] hash = weightsHash();
    JsonObject src = new JsonObject();
    src.addProperty("v", 1);
    src.addProperty("hash", contentHash);
    JsonArray ids = new JsonArray();
    notes.forEach(n -> ids.add(n.id().hex()));
    src.add("notes", ids);
    try (Batch batch = vault.batch()) {
      for (NoteId id : oldNotes) {
        batch.delete(Store.NOTES, id.bytes());
        batch.delete(Store.VECTORS, id.bytes());
      }
      for (int i = 0; i < notes.size(); i++) {
        batch.put(Store.NOTES, notes.get(i).id().bytes(), NoteCodec.encodeNote(notes.get(i)));
        batch.put(Store.VECTORS, notes.get(i).id().bytes(), NoteCodec.encodeVector(hash, vectors.get(i)));
      }
      batch.put(Store.SOURCES, key, src.toString().getBytes(StandardCharsets.UTF_8));
      batch.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    for (NoteId id : oldNotes) {
      index.remove(id.bytes());
    }
    for (int i = 0; i < notes.size(); i++) {
      index.put(notes.get(i).id().bytes(), vectors.get(i));
    }
    return new int[] {notes.size(), oldNotes.size()};
  }

  // ---- model and index

  synchronized Embedder embedder() throws KithException {
    assertOpen();
    if (embedder == null) {
      try {
        embedder = embedderSource.load(home.cacheDir());
      } catch (EmbeddingException e) {
        throw new KithException(KithException.BAD_INPUT, "the local model failed to load: " + e.getMessage(), e);
      }
    }
    return embedder;
  }

  private byte[] weightsHash() throws KithException {
    return HexFormat.of().parseHex(embedder().modelId().weightsSha256());
  }

  /** Embeds texts with this node's own model, in batches; one vector per text, in order. */
  public List<float[]> embed(List<String> texts) throws KithException {
    return embedAll(texts);
  }

  List<float[]> embedAll(List<String> texts) throws KithException {
    Embedder e = embedder();
    List<float[]> out = new ArrayList<>(texts.size());
    try {
      // The embedder batches by itself, sorting texts by length across the whole list first; chunks of
      // EMBED_BATCH bound the working set of one call.
      for (int i = 0; i < texts.size(); i += EMBED_BATCH) {
        List<String> chunk = texts.subList(i, Math.min(texts.size(), i + EMBED_BATCH));
        out.addAll(chunk.size() == 1 ? List.of(e.embed(chunk.get(0))) : e.embedBatch(chunk));
      }
    } catch (EmbeddingException ex) {
      throw new KithException(KithException.BAD_INPUT, "the local model failed: " + ex.getMessage(), ex);
    }
    return out;
  }

  /**
   * Loads every stored vector into memory. Vectors from another model (a different weights hash) and notes
   * without a vector are embedded again with the current model and written back: a re-index.
   */
  public synchronized int ensureIndex() throws KithException {
    assertOpen();
    if (index != null) {
      return 0;
    }
    Embedder e = embedder();
    byte[] hash = weightsHash();
    VectorIndex idx = new VectorIndex(e.dimensions());
    List<byte[]> stale = new ArrayList<>();
    java.util.Set<NoteId> indexed = new java.util.HashSet<>();
    try {
      vault.forEach(Store.VECTORS, (k, v) -> {
        StoredVector sv;
        try {
          sv = NoteCodec.decodeVector(v);
        } catch (MalformedValueException ex) {
          stale.add(k);
          return;
        }
        if (Arrays.equals(sv.weightsSha256(), hash) && sv.vector().length == e.dimensions()) {
          idx.put(k, sv.vector());
          indexed.add(NoteId.of(k));
        } else {
          stale.add(k);
        }
      });
      List<Note> missing = new ArrayList<>();
      List<byte[]> missingIds = new ArrayList<>();
      vault.forEachKey(Store.NOTES, k -> {
        if (!indexed.contains(NoteId.of(k))) {
          missingIds.add(k);
        }
      });
      for (byte[] k : missingIds) {
        byte[] v = vault.get(Store.NOTES, k);
        if (v != null) {
          missing.add(decode(k, v));
        }
      }
      if (!missing.isEmpty()) {
        List<float[]> vs = embedAll(missing.stream().map(Note::text).toList());
        try (Batch batch = vault.batch()) {
          for (int i = 0; i < missing.size(); i++) {
            batch.put(Store.VECTORS, missing.get(i).id().bytes(), NoteCodec.encodeVector(hash, vs.get(i)));
            idx.put(missing.get(i).id().bytes(), vs.get(i));
          }
          batch.commit();
        }
      }
      vault.put(Store.META, MODEL_KEY, (e.modelId().name() + "\n" + e.modelId().weightsSha256())
          .getBytes(StandardCharsets.UTF_8));
      index = idx;
      return missing.size();
    } catch (VaultException ex) {
      throw Vaults.translate(ex);
    } catch (UncheckedKith ex) {
      throw ex.cause;
    }
  }

  private Note decode(byte[] key, byte[] value) {
    try {
      return NoteCodec.decodeNote(NoteId.of(key), value);
    } catch (MalformedValueException e) {
      throw new UncheckedKith(KithException.badInput(e.getMessage() + "; the vault may be from a newer Kith"));
    }
  }

  private byte[] get(Store s, byte[] key) throws KithException {
    assertOpen();
    try {
      return vault.get(s, key);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  /** Carries a KithException out of a vault visitor lambda. */
  static final class UncheckedKith extends RuntimeException {
    final KithException cause;

    UncheckedKith(KithException cause) {
      super(cause.getMessage(), cause, false, false);
      this.cause = cause;
    }
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("node is closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      if (embedder != null) {
        embedder.close();
      }
      if (keyPair != null) {
        keyPair.close();
      }
      vault.close();
    }
  }
}
