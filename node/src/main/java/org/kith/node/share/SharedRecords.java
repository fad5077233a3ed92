package org.kith.node.share;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.kith.node.KithException;
import org.kith.node.PersonalNode;
import org.kith.node.Vaults;
import org.kith.node.notes.Note;
import org.kith.node.notes.TextChecks;
import org.kith.protocol.Limits;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.NeedContent;
import org.kith.protocol.proto.NoteContent;
import org.kith.protocol.proto.OfferContent;
import org.kith.protocol.proto.ProfileContent;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.Retract;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;
import org.kith.protocol.record.RecordException;
import org.kith.protocol.record.RecordId;
import org.kith.protocol.record.RecordSigner;
import org.kith.protocol.record.RecordVerifier;
import org.kith.protocol.record.VerifiedRecord;
import org.kith.storage.Batch;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;

/**
 * The records this node shares and the records its peers shared with it (spec/PROTOCOL.md section 7,
 * spec/VAULT.md stores {@code own_records} and {@code peer_records}), with an in-memory index of their
 * embeddings for answering and asking.
 *
 * <p>Own records are keyed by their 8-byte big-endian seq, so the store's key order is the order they were
 * signed in and a sync cursor is simply the last seq a peer was sent. Peer records are keyed by record id.
 * Every value is {@code 0x01 || [from key (32), peer records only] || SignedRecord}. Retractions are kept
 * (they travel like any record) until they expire, and a record they name is refused while they are held.
 *
 * <p>Embeddings are computed lazily with the node's own model: a peer never supplies a vector we rank by.
 * Thread-safe: every public method holds the monitor.
 */
public final class SharedRecords {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SharedRecords.class);
  public static final Duration DEFAULT_SHARE_EXPIRY = Duration.ofDays(180);
  public static final Duration DEFAULT_OFFER_EXPIRY = Duration.ofDays(30);
  public static final String PRIVATE_TAG = "private";
  /** Bytes of records in one SyncBatch or Answer, well under MAX_FRAME_BYTES (the frame adds a little). */
  public static final int MAX_RESPONSE_RECORD_BYTES = Limits.MAX_FRAME_BYTES - 16 * 1024;
  /** Records one peer may hold in our vault; beyond it a sync stops taking its records. */
  public static final int MAX_RECORDS_PER_PEER = 10_000;
  public static final int MAX_CACHED_VECTORS = 10_000;
  static final byte VALUE_VERSION = 1;
  /** Records verified by one task when a batch is spread over threads. */
  static final int VERIFY_CHUNK = 25;
  /** META key of the last seq signed, so a seq is never reused even after its record expired and went. */
  static final byte[] SEQ_KEY = {0x03};
  private static final int SNIPPET_CHARS = 200;

  /** A record as this node holds it: verified, who it came from (null for our own), its vector once known. */
  public static final class Held {
    public final VerifiedRecord record;
    public final PublicId from;
    float[] vector;
    List<float[]> centroids;

    Held(VerifiedRecord record, PublicId from) {
      this.record = record;
      this.from = from;
    }

    public PublicId author() {
      return PublicId.ofKey(record.record().getAuthor().toByteArray());
    }
  }

  /** A record received in an answer, held only while it is ranked. */
  public static Held transientHeld(VerifiedRecord v, PublicId from) {
    return new Held(v, from);
  }

  /** A scored record. */
  public record Scored(Held held, float score) {}

  private final PersonalNode node;
  private final Vault vault;
  private final Clock clock;
  private final TreeMap<Long, Held> own = new TreeMap<>();
  private final Map<RecordId, Long> ownSeqById = new HashMap<>();
  private final Map<RecordId, Held> peer = new LinkedHashMap<>();
  /** How many records each peer has in {@link #peer}, for {@link #MAX_RECORDS_PER_PEER}. */
  private final Map<PublicId, Integer> heldFrom = new HashMap<>();
  /** Retracted record id -> the author who retracted it. */
  private final Map<RecordId, PublicId> retracted = new HashMap<>();
  private long lastSeq;
  /** Vectors of records seen in answers, so asking twice does not embed the same record twice. */
  private final Map<RecordId, float[]> vectorCache = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<RecordId, float[]> eldest) {
      return size() > MAX_CACHED_VECTORS;
    }
  };

  /** Own NOTE records -> the id (hex) of the note they were shared from; local only, never on the wire. */
  private final Map<RecordId, String> sourceNote = new HashMap<>();

  /** Told the audience (circle) of each record we sign, after it is stored: the network hints that circle. */
  private volatile java.util.function.Consumer<String> onOwnRecord = circle -> {};

  public void onOwnRecord(java.util.function.Consumer<String> listener) {
    this.onOwnRecord = listener;
  }

  public SharedRecords(PersonalNode node, Clock clock) throws KithException {
    this.node = node;
    this.vault = node.vault();
    this.clock = clock;
    load();
  }

  private void load() throws KithException {
    long now = clock.millis();
    List<byte[]> stale = new ArrayList<>();
    try {
      byte[] seq = vault.get(Store.META, SEQ_KEY);
      lastSeq = seq == null ? 0 : ByteBuffer.wrap(seq).getLong();
      vault.forEach(Store.OWN_RECORDS, (k, v) -> {
        Held h = decode(v, false, now);
        if (h == null) {
          stale.add(k);
          return;
        }
        own.put(h.record.record().getSeq(), h);
        ownSeqById.put(h.record.id(), h.record.record().getSeq());
        lastSeq = Math.max(lastSeq, h.record.record().getSeq());
        noteRetraction(h);
      });
      for (Held h : own.values()) {
        if (h.record.kind() == RecordKind.NOTE) {
          byte[] n = vault.get(Store.META, noteOfKey(h.record.id()));
          if (n != null) {
            sourceNote.put(h.record.id(), new String(n, StandardCharsets.UTF_8));
          }
        }
      }
      List<byte[]> stalePeer = new ArrayList<>();
      vault.forEach(Store.PEER_RECORDS, (k, v) -> {
        Held h = decode(v, true, now);
        if (h == null) {
          stalePeer.add(k);
          return;
        }
        peer.put(h.record.id(), h);
        heldFrom.merge(h.from, 1, Integer::sum);
        noteRetraction(h);
      });
      if (!stale.isEmpty() || !stalePeer.isEmpty()) {
        try (Batch b = vault.batch()) {
          for (byte[] k : stale) {
            b.delete(Store.OWN_RECORDS, k);
          }
          for (byte[] k : stalePeer) {
            b.delete(Store.PEER_RECORDS, k);
          }
          b.commit();
        }
      }
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  /** Null when the stored record expired (or no longer verifies, which drops it the same way). */
  private static Held decode(byte[] v, boolean withFrom, long now) {
    if (v.length < 1 || v[0] != VALUE_VERSION) {
      return null;
    }
    int at = 1;
    PublicId from = null;
    if (withFrom) {
      if (v.length < 33) {
        return null;
      }
      from = PublicId.ofKey(java.util.Arrays.copyOfRange(v, 1, 33));
      at = 33;
    }
    try {
      SignedRecord sr = SignedRecord.parseFrom(ByteString.copyFrom(v, at, v.length - at));
      return new Held(RecordVerifier.verify(sr, now), from);
    } catch (InvalidProtocolBufferException | RecordException e) {
      return null;
    }
  }

  private static byte[] encode(SignedRecord sr, PublicId from) {
    byte[] body = sr.toByteArray();
    int extra = from == null ? 1 : 33;
    byte[] v = new byte[extra + body.length];
    v[0] = VALUE_VERSION;
    if (from != null) {
      System.arraycopy(from.key(), 0, v, 1, 32);
    }
    System.arraycopy(body, 0, v, extra, body.length);
    return v;
  }

  private void noteRetraction(Held h) {
    if (h.record.kind() == RecordKind.RETRACT) {
      RecordId target = RecordId.fromBytes(h.record.content(Retract.class).getRecordId().toByteArray());
      retracted.put(target, h.author());
    }
  }

  // ---- sharing (own records)

  /** Shares a note with a circle. Notes tagged {@value #PRIVATE_TAG} are refused. */
  public synchronized Held shareNote(Note note, String circle, int reach, Duration expiry) throws KithException {
    if (note.tags().contains(PRIVATE_TAG)) {
      throw KithException.badInput("this note is tagged '" + PRIVATE_TAG + "' and is never shared; remove the tag"
          + " first if you really mean to share it (nothing was shared)");
    }
    NoteContent c = NoteContent.newBuilder().setTitle(cut(note.title(), 256)).setText(note.text())
        .addAllTags(note.tags().stream().filter(t -> t.getBytes(StandardCharsets.UTF_8).length <= 32).limit(16).toList())
        .build();
    if (c.getSerializedSize() > Limits.MAX_CONTENT_BYTES) {
      throw KithException.badInput("this note is too long to share (" + c.getSerializedSize() + " bytes, at most "
          + Limits.MAX_CONTENT_BYTES + "); split it into shorter notes (nothing was shared)");
    }
    return signAndStore(RecordKind.NOTE, c.toByteString(), circle, reach, expiry, null, note.id().hex());
  }

  public synchronized Held offer(RecordKind kind, String text, String circle, Duration expiry) throws KithException {
    TextChecks.requireWellFormed(kind == RecordKind.OFFER ? "offer" : "need", text, "nothing was shared");
    String t = text == null ? "" : text.strip();
    if (t.isEmpty()) {
      throw KithException.badInput("say what you " + (kind == RecordKind.OFFER ? "offer" : "need") + "; nothing was shared");
    }
    if (t.getBytes(StandardCharsets.UTF_8).length > 2048) {
      throw KithException.badInput("an offer or need is limited to 2048 bytes; shorten it (nothing was shared)");
    }
    ByteString content = kind == RecordKind.OFFER ? OfferContent.newBuilder().setText(t).build().toByteString()
        : NeedContent.newBuilder().setText(t).build().toByteString();
    return signAndStore(kind, content, circle, 1, expiry, null, null);
  }

  public synchronized Held publishProfile(ProfileContent profile, String circle, Duration expiry) throws KithException {
    return signAndStore(RecordKind.PROFILE, profile.toByteString(), circle, 1, expiry, null, null);
  }

  /** Retracts one of our records: signs a RETRACT for its audience and deletes the record, in one batch. */
  public synchronized Held unshare(String idOrPrefix) throws KithException {
    Held target = findOwn(idOrPrefix);
    if (target.record.kind() == RecordKind.RETRACT) {
      throw KithException.badInput("that record is itself a retraction; nothing was changed");
    }
    Record r = target.record.record();
    long now = clock.millis();
    Duration expiry = Duration.ofMillis(Math.max(1, r.getExpiresAtMs() - now));
    Retract content = Retract.newBuilder().setRecordId(target.record.id().toByteString()).build();
    return signAndStore(RecordKind.RETRACT, content.toByteString(), r.getAudience(), r.getReach(), expiry, target,
        null);
  }

  private Held signAndStore(RecordKind kind, ByteString content, String circle, int reach, Duration expiry,
      Held replaces, String fromNote) throws KithException {
    String audience = circle == null ? "" : circle.strip();
    int audienceBytes = audience.getBytes(StandardCharsets.UTF_8).length;
    if (audienceBytes == 0 || audienceBytes > Limits.MAX_AUDIENCE_BYTES) {
      throw KithException.badInput("name the circle to share with (--with CIRCLE, 1 to " + Limits.MAX_AUDIENCE_BYTES
          + " bytes); nothing was shared");
    }
    if (reach < 1 || reach > Limits.MAX_HOPS) {
      throw KithException.badInput("--reach is 1 (your circle only) or 2 (friends of friends too): " + reach);
    }
    if (expiry.isNegative() || expiry.isZero() || expiry.toMillis() > Limits.MAX_RECORD_LIFETIME_MS) {
      throw KithException.badInput("--expires must be more than 0 and at most 366d: " + expiry);
    }
    KeyPair kp = node.keyPair();
    long now = clock.millis();
    long seq = lastSeq + 1;
    Record record = Record.newBuilder()
        .setAuthor(ByteString.copyFrom(kp.publicKey()))
        .setSeq(seq)
        .setCreatedAtMs(now)
        .setExpiresAtMs(now + expiry.toMillis())
        .setKind(kind)
        .setReach(reach)
        .setAudience(audience)
        .setContent(content)
        .build();
    SignedRecord signed = sign(record, kp);
    Held h;
    try {
      h = new Held(RecordVerifier.verify(signed, now), null);
    } catch (RecordException e) {
      throw new IllegalStateException("a record we just signed does not verify: " + e.reason(), e);
    }
    try (Batch b = vault.batch()) {
      b.put(Store.OWN_RECORDS, seqKey(seq), encode(signed, null));
      b.put(Store.META, SEQ_KEY, ByteBuffer.allocate(8).putLong(seq).array());
      if (fromNote != null) {
        b.put(Store.META, noteOfKey(h.record.id()), fromNote.getBytes(StandardCharsets.UTF_8));
      }
      if (replaces != null) {
        b.delete(Store.OWN_RECORDS, seqKey(replaces.record.record().getSeq()));
        b.delete(Store.META, noteOfKey(replaces.record.id()));
      }
      b.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    lastSeq = seq;
    own.put(seq, h);
    ownSeqById.put(h.record.id(), seq);
    if (fromNote != null) {
      sourceNote.put(h.record.id(), fromNote);
    }
    if (replaces != null) {
      own.remove(replaces.record.record().getSeq());
      ownSeqById.remove(replaces.record.id());
      sourceNote.remove(replaces.record.id());
    }
    noteRetraction(h);
    try {
      onOwnRecord.accept(audience);
    } catch (RuntimeException e) {
      // A hint is a courtesy: the periodic sync delivers the record anyway.
      LOG.debug("could not hint peers about a new record: {}", e.getClass().getName());
    }
    return h;
  }

  private static SignedRecord sign(Record record, KeyPair kp) {
    byte[] sk = kp.secretKey();
    try {
      return RecordSigner.sign(record, sk);
    } finally {
      java.util.Arrays.fill(sk, (byte) 0);
    }
  }

  /** The note (id, hex) one of our NOTE records was shared from, if this vault still knows it. */
  public synchronized Optional<String> sourceNote(RecordId id) {
    return Optional.ofNullable(sourceNote.get(id));
  }

  private byte[] noteOfKey(RecordId id) {
    return vault.lookupKey(Store.META, ("note-of/" + id.hex()).getBytes(StandardCharsets.UTF_8));
  }

  /** A keyed hash of the record id: whoever holds a record cannot tell from the keys that this vault holds it. */
  private byte[] peerKey(RecordId id) {
    return vault.lookupKey(Store.PEER_RECORDS, id.bytes());
  }

  static byte[] seqKey(long seq) {
    return ByteBuffer.allocate(8).putLong(seq).array();
  }

  /** Our own live records, oldest first (retractions included when {@code withRetractions}). */
  public synchronized List<Held> own(boolean withRetractions) {
    long now = clock.millis();
    return own.values().stream().filter(h -> !h.record.isExpired(now))
        .filter(h -> withRetractions || h.record.kind() != RecordKind.RETRACT).toList();
  }

  public synchronized Held findOwn(String idOrPrefix) throws KithException {
    String p = idOrPrefix == null ? "" : idOrPrefix.strip().toLowerCase(Locale.ROOT);
    if (p.length() < 8 || p.length() > 64 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw KithException.badInput("a record id is 8 to 64 hex digits (as `kith shared` shows): " + idOrPrefix);
    }
    List<Held> m = own.values().stream().filter(h -> h.record.id().hex().startsWith(p)).toList();
    if (m.isEmpty()) {
      throw KithException.badInput("you share no record with id " + idOrPrefix + " (see `kith shared`)");
    }
    if (m.size() > 1) {
      throw KithException.badInput("record id " + idOrPrefix + " is ambiguous; give more digits");
    }
    return m.get(0);
  }

  // ---- sync (spec section 6.5)

  /** The responder's side: our own records shared with {@code circle}, after the cursor, bounded. */
  public synchronized SyncBatch serve(String circle, SyncRequest req) {
    long now = clock.millis();
    SyncBatch.Builder b = SyncBatch.newBuilder();
    int bytes = 0;
    // The cursor carries a tag of the circle it was made for: a peer moved to another circle starts over, so
    // it receives what its new circle was sent before the move.
    long tag = circleTag(circle);
    long since = (req.getSinceCursor() & ~SEQ_MASK) == tag ? req.getSinceCursor() & SEQ_MASK : 0;
    long cursor = since;
    boolean more = false;
    for (Map.Entry<Long, Held> e : own.tailMap(since, false).entrySet()) {
      Held h = e.getValue();
      if (!h.record.record().getAudience().equals(circle) || h.record.isExpired(now)) {
        cursor = e.getKey();
        continue;
      }
      int size = h.record.signed().getSerializedSize() + 8;
      if (b.getRecordsCount() >= req.getMax() || bytes + size > MAX_RESPONSE_RECORD_BYTES) {
        more = true;
        break;
      }
      b.addRecords(h.record.signed());
      bytes += size;
      cursor = e.getKey();
    }
    return b.setNextCursor(tag | cursor).setMore(more).build();
  }

  /** Low 48 bits of a cursor: a seq. High 16: a tag of the circle. */
  static final long SEQ_MASK = (1L << 48) - 1;

  static long circleTag(String circle) {
    return ((long) (circle.hashCode() & 0xFFFF) | 1L) << 48;
  }

  /** What one pulled batch did. */
  public record Accepted(int stored, int retracted, int rejected) {}

  /**
   * The requester's side: verifies each record of a batch from {@code from} (which must be its author: a
   * sync carries the responder's own records only), applies retractions, stores the rest and the new cursor
   * in one batch. A record that fails is dropped alone.
   */
  public Accepted accept(PublicId from, SyncBatch batch) throws KithException {
    return accept(from, verifyAll(batch.getRecordsList(), clock.millis()), batch.getNextCursor());
  }

  /**
   * {@link #accept(PublicId, SyncBatch)} with the batch's records verified already by {@link #verifyAll} (one
   * entry per record, null where it failed), so a pull can verify the next batch while this one is stored.
   */
  public synchronized Accepted accept(PublicId from, List<VerifiedRecord> verified, long nextCursor)
      throws KithException {
    long now = clock.millis();
    int stored = 0;
    int retractedCount = 0;
    int rejected = 0;
    long held = heldFrom.getOrDefault(from, 0);
    List<Held> toStore = new ArrayList<>();
    List<RecordId> toDelete = new ArrayList<>();
    Map<RecordId, Held> pendingIds = new HashMap<>();
    ByteString fromKey = ByteString.copyFrom(from.key());
    for (VerifiedRecord v : verified) {
      if (v == null || v.isExpired(now)) {
        rejected++;
        continue;
      }
      Held h = new Held(v, from);
      if (!v.record().getAuthor().equals(fromKey) || !retracted.isEmpty() && isRetracted(v)) {
        // A sync carries the responder's own records only; a retracted one is refused while its retraction is held.
        rejected++;
        continue;
      }
      if (peer.containsKey(v.id()) || pendingIds.containsKey(v.id())) {
        continue;
      }
      if (held + toStore.size() >= MAX_RECORDS_PER_PEER) {
        rejected++;
        continue;
      }
      if (v.kind() == RecordKind.RETRACT) {
        RecordId target = RecordId.fromBytes(v.content(Retract.class).getRecordId().toByteArray());
        Held old = peer.get(target);
        Held pendingOld = pendingIds.remove(target);
        if (pendingOld != null) {
          // Retracted within the same pull: never store it.
          toStore.remove(pendingOld);
          retractedCount++;
        }
        if (old != null && old.author().equals(from)) {
          toDelete.add(target);
          retractedCount++;
        }
      }
      toStore.add(h);
      pendingIds.put(v.id(), h);
    }
    try (Batch b = vault.batch()) {
      for (Held h : toStore) {
        b.put(Store.PEER_RECORDS, peerKey(h.record.id()), encode(h.record.signed(), from));
      }
      for (RecordId id : toDelete) {
        b.delete(Store.PEER_RECORDS, peerKey(id));
      }
      b.put(Store.META, cursorKey(from), ByteBuffer.allocate(8).putLong(nextCursor).array());
      b.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    for (Held h : toStore) {
      if (peer.put(h.record.id(), h) == null) {
        heldFrom.merge(from, 1, Integer::sum);
      }
      noteRetraction(h);
      stored++;
    }
    for (RecordId id : toDelete) {
      forgetPeerRecord(id);
    }
    return new Accepted(stored, retractedCount, rejected);
  }

  /** Verifies records on the calling thread; null for each that fails. */
  public static List<VerifiedRecord> verifyAll(List<SignedRecord> records, long now) {
    List<VerifiedRecord> out = new ArrayList<>(records.size());
    for (SignedRecord sr : records) {
      try {
        out.add(RecordVerifier.verify(sr, now));
      } catch (RecordException e) {
        out.add(null);
      }
    }
    return out;
  }

  /**
   * Verifies records in chunks of {@value #VERIFY_CHUNK} on {@code executor}: Ed25519 verification is the
   * cost of a sync, and the records of a batch are independent. Null for each that fails, in order.
   */
  public static CompletableFuture<List<VerifiedRecord>> verifyAll(List<SignedRecord> records, long now,
      Executor executor) {
    List<CompletableFuture<List<VerifiedRecord>>> parts = new ArrayList<>();
    for (int i = 0; i < records.size(); i += VERIFY_CHUNK) {
      List<SignedRecord> chunk = records.subList(i, Math.min(records.size(), i + VERIFY_CHUNK));
      parts.add(CompletableFuture.supplyAsync(() -> verifyAll(chunk, now), executor));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<VerifiedRecord> out = new ArrayList<>(records.size());
      parts.forEach(p -> out.addAll(p.join()));
      return out;
    });
  }

  /** True if a retraction by the record's own author is held for it. */
  public synchronized boolean isRetracted(VerifiedRecord v) {
    PublicId by = retracted.get(v.id());
    return by != null && by.equals(PublicId.ofKey(v.record().getAuthor().toByteArray()));
  }

  public synchronized long cursor(PublicId peerId) throws KithException {
    try {
      byte[] v = vault.get(Store.META, cursorKey(peerId));
      return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  private byte[] cursorKey(PublicId peerId) {
    return vault.lookupKey(Store.META, ("sync-cursor/" + peerId.hex()).getBytes(StandardCharsets.UTF_8));
  }

  /** Peer records, live, optionally only those from one peer. */
  public synchronized List<Held> peerRecords(Predicate<Held> filter) {
    long now = clock.millis();
    return peer.values().stream().filter(h -> !h.record.isExpired(now) && h.record.kind() != RecordKind.RETRACT)
        .filter(filter).toList();
  }

  /** Forgets every record {@code peerId} gave us and our sync cursor with it (unpair, block). */
  public synchronized int forgetFrom(PublicId peerId) throws KithException {
    List<Held> gone = peer.values().stream().filter(h -> peerId.equals(h.from)).toList();
    try (Batch b = vault.batch()) {
      for (Held h : gone) {
        b.delete(Store.PEER_RECORDS, peerKey(h.record.id()));
      }
      b.delete(Store.META, cursorKey(peerId));
      b.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    gone.forEach(h -> forgetPeerRecord(h.record.id()));
    retracted.clear();
    own.values().forEach(this::noteRetraction);
    peer.values().forEach(this::noteRetraction);
    return gone.size();
  }

  /** Deletes expired records of both kinds; returns how many. */
  public synchronized int purgeExpired() throws KithException {
    long now = clock.millis();
    List<Held> ownGone = own.values().stream().filter(h -> h.record.isExpired(now)).toList();
    List<Held> peerGone = peer.values().stream().filter(h -> h.record.isExpired(now)).toList();
    if (ownGone.isEmpty() && peerGone.isEmpty()) {
      return 0;
    }
    try (Batch b = vault.batch()) {
      for (Held h : ownGone) {
        b.delete(Store.OWN_RECORDS, seqKey(h.record.record().getSeq()));
        b.delete(Store.META, noteOfKey(h.record.id()));
      }
      for (Held h : peerGone) {
        b.delete(Store.PEER_RECORDS, peerKey(h.record.id()));
      }
      b.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    for (Held h : ownGone) {
      own.remove(h.record.record().getSeq());
      ownSeqById.remove(h.record.id());
      sourceNote.remove(h.record.id());
    }
    for (Held h : peerGone) {
      forgetPeerRecord(h.record.id());
    }
    retracted.clear();
    own.values().forEach(this::noteRetraction);
    peer.values().forEach(this::noteRetraction);
    return ownGone.size() + peerGone.size();
  }

  // ---- search over records

  /**
   * The best {@code k} of {@code candidates} for a query vector, scored with our own model: text records by
   * cosine similarity, profiles by their best-matching topic centroid. Expired and retracted ones are dropped.
   */
  public List<Scored> rank(List<Held> candidates, float[] query, int k) throws KithException {
    ensureVectors(candidates);
    long now = clock.millis();
    List<Scored> out = new ArrayList<>();
    for (Held h : candidates) {
      if (h.record.isExpired(now) || isRetracted(h.record)) {
        continue;
      }
      float s;
      if (h.record.kind() == RecordKind.PROFILE) {
        s = Float.NEGATIVE_INFINITY;
        for (float[] c : h.centroids) {
          s = Math.max(s, dot(c, query));
        }
        if (h.centroids.isEmpty()) {
          continue;
        }
      } else if (h.vector != null) {
        s = dot(h.vector, query);
      } else {
        continue;
      }
      out.add(new Scored(h, s));
    }
    out.sort(Comparator.comparingDouble((Scored s) -> -s.score()));
    return out.size() > k ? List.copyOf(out.subList(0, k)) : out;
  }

  /** Embeds (once) the text of every candidate that has none yet. */
  public void ensureVectors(List<Held> candidates) throws KithException {
    List<Held> todo = new ArrayList<>();
    synchronized (this) {
      for (Held h : candidates) {
        if (h.record.kind() == RecordKind.PROFILE) {
          if (h.centroids == null) {
            List<float[]> cs = new ArrayList<>();
            for (ProfileContent.Topic t : h.record.content(ProfileContent.class).getTopicsList()) {
              float[] c = new float[t.getCentroidCount()];
              for (int i = 0; i < c.length; i++) {
                c[i] = t.getCentroid(i);
              }
              cs.add(c);
            }
            h.centroids = cs;
          }
        } else if (h.vector == null && h.record.kind() != RecordKind.RETRACT) {
          float[] cached = vectorCache.get(h.record.id());
          if (cached != null) {
            h.vector = cached;
          } else {
            todo.add(h);
          }
        }
      }
    }
    if (todo.isEmpty()) {
      return;
    }
    List<float[]> vs = node.embed(todo.stream().map(h -> text(h.record)).toList());
    synchronized (this) {
      for (int i = 0; i < todo.size(); i++) {
        todo.get(i).vector = vs.get(i);
        vectorCache.put(todo.get(i).record.id(), vs.get(i));
      }
    }
  }

  static float dot(float[] a, float[] b) {
    if (a.length != b.length) {
      return Float.NEGATIVE_INFINITY;
    }
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  // ---- presentation

  /** The searchable text of a record: a note's title and text, an offer's or need's text, a profile's labels. */
  public static String text(VerifiedRecord v) {
    return switch (v.kind()) {
      case NOTE -> {
        NoteContent n = v.content(NoteContent.class);
        yield n.getText().startsWith("# " + n.getTitle()) || n.getTitle().isEmpty() ? n.getText()
            : n.getTitle() + "\n" + n.getText();
      }
      case OFFER -> v.content(OfferContent.class).getText();
      case NEED -> v.content(NeedContent.class).getText();
      case PROFILE -> String.join(", ", v.content(ProfileContent.class).getTopicsList().stream()
          .map(t -> String.join(" ", t.getLabelsList())).toList());
      default -> "";
    };
  }

  public static String snippet(VerifiedRecord v) {
    if (v.kind() == RecordKind.PROFILE) {
      return "topics: " + String.join("; ", v.content(ProfileContent.class).getTopicsList().stream()
          .map(t -> String.join(" ", t.getLabelsList()) + String.format(Locale.ROOT, " (~%.0f notes)", t.getNoisyCount()))
          .toList());
    }
    String t = v.kind() == RecordKind.NOTE ? v.content(NoteContent.class).getText() : text(v);
    t = t.replaceAll("(?m)^#+\\s*", "").replaceAll("\\s+", " ").strip();
    return t.length() <= SNIPPET_CHARS ? t : t.substring(0, SNIPPET_CHARS - 1) + "…";
  }

  public static String title(VerifiedRecord v) {
    return switch (v.kind()) {
      case NOTE -> v.content(NoteContent.class).getTitle();
      case OFFER -> "offer";
      case NEED -> "need";
      case PROFILE -> "topic profile";
      case RETRACT -> "retraction of " + HexFormat.of().formatHex(v.content(Retract.class).getRecordId().toByteArray()).substring(0, 12);
      default -> "";
    };
  }

  private static String cut(String s, int maxBytes) {
    String t = s == null ? "" : s;
    while (t.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }

  private void forgetPeerRecord(RecordId id) {
    Held h = peer.remove(id);
    if (h != null) {
      heldFrom.computeIfPresent(h.from, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  public synchronized Optional<Held> peerRecord(RecordId id) {
    return Optional.ofNullable(peer.get(id));
  }

  public synchronized int ownCount() {
    return own.size();
  }

  public synchronized int peerCount() {
    return peer.size();
  }
}
