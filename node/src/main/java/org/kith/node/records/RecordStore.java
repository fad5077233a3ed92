package org.kith.node.records;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.kith.node.base.KithException;
import org.kith.node.vault.VaultSchema;
import org.kith.node.vault.Vaults;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.Retract;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.record.RecordId;
import org.kith.protocol.record.VerifiedRecord;
import org.kith.storage.Batch;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;
import org.kith.storage.VaultReadOnlyException;

/**
 * The records this node shares and the records its peers shared with it (spec/PROTOCOL.md section 7,
 * spec/VAULT.md stores {@code own_records} and {@code peer_records}), in memory and in the vault.
 *
 * <p>Own records are keyed by their 8-byte big-endian seq, so the store's key order is the order they were
 * signed in and a sync cursor is simply the last seq a peer was sent. Peer records are keyed by a keyed hash
 * of the record id. Retractions are kept (they travel like any record) until they expire, and a record they
 * name is refused while they are held. Each peer may hold at most {@link #MAX_RECORDS_PER_PEER} records here.
 * Thread-safe: every public method holds the monitor.
 */
public final class RecordStore {
  /** Records one peer may hold in our vault; beyond it a sync stops taking its records. */
  public static final int MAX_RECORDS_PER_PEER = 10_000;

  private final Vault vault;
  private final Clock clock;
  private final TreeMap<Long, Held> own = new TreeMap<>();
  private final Map<RecordId, Held> peer = new LinkedHashMap<>();
  /** How many records each peer has in {@link #peer}, for {@link #MAX_RECORDS_PER_PEER}. */
  private final Map<PublicId, Integer> heldFrom = new HashMap<>();
  /** Retracted record id -> the author who retracted it. */
  private final Map<RecordId, PublicId> retracted = new HashMap<>();
  /** Own NOTE records -> the id (hex) of the note they were shared from; local only, never on the wire. */
  private final Map<RecordId, String> sourceNote = new HashMap<>();
  private long lastSeq;
  /** Told the audience (circle) of each record we store, after it is stored, under this store's lock. */
  private volatile Consumer<String> onOwnRecord = circle -> {};
  /** Told the records of each sync batch we stored (retractions left out), after they are stored, under the lock. */
  private volatile Consumer<List<Held>> onPeerRecords = list -> {};

  public RecordStore(Vault vault, Clock clock) throws KithException {
    this.vault = vault;
    this.clock = clock;
    load();
  }

  /** Called (with this store's lock held: it must not block) with the circle of every record we sign. */
  public void onOwnRecord(Consumer<String> listener) {
    this.onOwnRecord = listener;
  }

  /** Called (with this store's lock held: it must not block) with the peer records each sync batch stored. */
  public void onPeerRecords(Consumer<List<Held>> listener) {
    this.onPeerRecords = listener;
  }

  private void load() throws KithException {
    long now = clock.millis();
    List<byte[]> stale = new ArrayList<>();
    List<byte[]> stalePeer = new ArrayList<>();
    try {
      byte[] seq = vault.get(Store.META, VaultSchema.SEQ_KEY);
      lastSeq = seq == null ? 0 : ByteBuffer.wrap(seq).getLong();
      vault.forEach(Store.OWN_RECORDS, (k, v) -> {
        Held h = RecordCodec.decode(v, false, now);
        if (h == null) {
          stale.add(k);
          return;
        }
        own.put(h.record.record().getSeq(), h);
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
      vault.forEach(Store.PEER_RECORDS, (k, v) -> {
        Held h = RecordCodec.decode(v, true, now);
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
        } catch (VaultReadOnlyException e) {
          // The disk is full: they are not loaded, so never served; the next open with space deletes them.
        }
      }
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  private void noteRetraction(Held h) {
    if (h.record.kind() == RecordKind.RETRACT) {
      RecordId target = RecordId.fromBytes(h.record.content(Retract.class).getRecordId().toByteArray());
      retracted.put(target, h.author());
    }
  }

  // ---- own records

  /** The seq the next record we sign takes. */
  public synchronized long nextSeq() {
    return lastSeq + 1;
  }

  /**
   * Stores a record we just signed (its seq must be {@link #nextSeq()}), in one batch with the deletion of the
   * record it retracts, if any; {@code fromNote} is the id of the note it was shared from, kept local.
   */
  public synchronized Held addOwn(VerifiedRecord signed, Held replaces, String fromNote) throws KithException {
    long seq = signed.record().getSeq();
    if (seq != lastSeq + 1) {
      throw new IllegalStateException("record seq " + seq + " is not the next one, " + (lastSeq + 1));
    }
    Held h = new Held(signed, null);
    try (Batch b = vault.batch()) {
      b.put(Store.OWN_RECORDS, seqKey(seq), RecordCodec.encode(signed.signed(), null));
      b.put(Store.META, VaultSchema.SEQ_KEY, seqKey(seq));
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
    if (fromNote != null) {
      sourceNote.put(h.record.id(), fromNote);
    }
    if (replaces != null) {
      own.remove(replaces.record.record().getSeq());
      sourceNote.remove(replaces.record.id());
    }
    noteRetraction(h);
    onOwnRecord.accept(signed.record().getAudience());
    return h;
  }

  /**
   * Replaces one of our records with {@code fresh} and signs it away with {@code retraction} (seqs
   * {@link #nextSeq()} and the one after), in one batch: a changed note's share signed again.
   */
  public synchronized void replaceOwn(VerifiedRecord fresh, VerifiedRecord retraction, Held old, String fromNote)
      throws KithException {
    long seq = fresh.record().getSeq();
    if (seq != lastSeq + 1 || retraction.record().getSeq() != seq + 1) {
      throw new IllegalStateException("record seqs " + seq + ", " + retraction.record().getSeq()
          + " do not follow " + lastSeq);
    }
    Held h = new Held(fresh, null);
    Held r = new Held(retraction, null);
    try (Batch b = vault.batch()) {
      b.put(Store.OWN_RECORDS, seqKey(seq), RecordCodec.encode(fresh.signed(), null));
      b.put(Store.OWN_RECORDS, seqKey(seq + 1), RecordCodec.encode(retraction.signed(), null));
      b.put(Store.META, VaultSchema.SEQ_KEY, seqKey(seq + 1));
      b.put(Store.META, noteOfKey(fresh.id()), fromNote.getBytes(StandardCharsets.UTF_8));
      b.delete(Store.OWN_RECORDS, seqKey(old.record.record().getSeq()));
      b.delete(Store.META, noteOfKey(old.record.id()));
      b.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    lastSeq = seq + 1;
    own.put(seq, h);
    own.put(seq + 1, r);
    sourceNote.put(fresh.id(), fromNote);
    own.remove(old.record.record().getSeq());
    sourceNote.remove(old.record.id());
    noteRetraction(r);
    onOwnRecord.accept(fresh.record().getAudience());
  }

  /** The note (id, hex) one of our NOTE records was shared from, if this vault still knows it. */
  public synchronized Optional<String> sourceNote(RecordId id) {
    return Optional.ofNullable(sourceNote.get(id));
  }

  /** Our own live records, oldest first (retractions included when {@code withRetractions}). */
  public synchronized List<Held> own(boolean withRetractions) {
    long now = clock.millis();
    return own.values().stream().filter(h -> !h.record.isExpired(now))
        .filter(h -> withRetractions || h.record.kind() != RecordKind.RETRACT).toList();
  }

  /** Our own records signed after {@code seq}, by seq, up to {@code max} of them (expired ones included). */
  public synchronized List<Held> ownAfter(long seq, int max) {
    List<Held> out = new ArrayList<>();
    for (Held h : own.tailMap(seq, false).values()) {
      if (out.size() >= max) {
        break;
      }
      out.add(h);
    }
    return out;
  }

  public synchronized Held findOwn(String idOrPrefix) throws KithException {
    String p = idOrPrefix == null ? "" : idOrPrefix.strip().toLowerCase(Locale.ROOT);
    if (p.length() < 4 || p.length() > 64 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw KithException.badInput("a record id is 4 to 64 hex digits (as `kith shared` shows): " + idOrPrefix);
    }
    List<Held> m = own.values().stream().filter(h -> h.record.id().hex().startsWith(p)).toList();
    if (m.isEmpty()) {
      throw KithException.badInput("you share no record with id " + idOrPrefix + " (see `kith shared`)");
    }
    if (m.size() > 1) {
      throw KithException.badInput("record id " + idOrPrefix + " is ambiguous: " + m.size()
          + " records you share start with it; give more digits (see `kith shared`)");
    }
    return m.get(0);
  }

  // ---- peer records

  /** What one pulled batch did. */
  public record Accepted(int stored, int retracted, int rejected) {}

  /**
   * Takes the records of one sync batch from {@code from}, verified already by {@link RecordCodec#verifyAll}
   * (null where a record failed): a sync carries the responder's own records only; retractions are applied;
   * the rest and the new cursor are stored in one batch. A record that fails is dropped alone.
   */
  public synchronized Accepted accept(PublicId from, List<VerifiedRecord> verified, long nextCursor)
      throws KithException {
    long now = clock.millis();
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
      if (!v.record().getAuthor().equals(fromKey) || !retracted.isEmpty() && isRetracted(v)) {
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
      Held h = new Held(v, from);
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
        b.put(Store.PEER_RECORDS, peerKey(h.record.id()), RecordCodec.encode(h.record.signed(), from));
      }
      for (RecordId id : toDelete) {
        b.delete(Store.PEER_RECORDS, peerKey(id));
      }
      b.put(Store.META, cursorKey(from), seqKey(nextCursor));
      b.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    for (Held h : toStore) {
      if (peer.put(h.record.id(), h) == null) {
        heldFrom.merge(from, 1, Integer::sum);
      }
      noteRetraction(h);
    }
    toDelete.forEach(this::forgetPeerRecord);
    List<Held> arrived = toStore.stream().filter(h -> h.record.kind() != RecordKind.RETRACT).toList();
    if (!arrived.isEmpty()) {
      onPeerRecords.accept(arrived);
    }
    return new Accepted(toStore.size(), retractedCount, rejected);
  }

  /** True if a retraction by the record's own author is held for it. */
  public synchronized boolean isRetracted(VerifiedRecord v) {
    PublicId by = retracted.get(v.id());
    return by != null && by.equals(PublicId.ofKey(v.record().getAuthor().toByteArray()));
  }

  /** Our sync cursor with a peer: where the next pull from it starts. */
  public synchronized long cursor(PublicId peerId) throws KithException {
    try {
      byte[] v = vault.get(Store.META, cursorKey(peerId));
      return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  /** Peer records, live and not retractions, that pass {@code filter}. */
  public synchronized List<Held> peerRecords(Predicate<Held> filter) {
    long now = clock.millis();
    return peer.values().stream().filter(h -> !h.record.isExpired(now) && h.record.kind() != RecordKind.RETRACT)
        .filter(filter).toList();
  }

  public synchronized Optional<Held> peerRecord(RecordId id) {
    return Optional.ofNullable(peer.get(id));
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
    rebuildRetractions();
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
      sourceNote.remove(h.record.id());
    }
    peerGone.forEach(h -> forgetPeerRecord(h.record.id()));
    rebuildRetractions();
    return ownGone.size() + peerGone.size();
  }

  public synchronized int ownCount() {
    return own.size();
  }

  public synchronized int peerCount() {
    return peer.size();
  }

  private void rebuildRetractions() {
    retracted.clear();
    own.values().forEach(this::noteRetraction);
    peer.values().forEach(this::noteRetraction);
  }

  private void forgetPeerRecord(RecordId id) {
    Held h = peer.remove(id);
    if (h != null) {
      heldFrom.computeIfPresent(h.from, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  private byte[] noteOfKey(RecordId id) {
    return VaultSchema.noteOf(vault, id.hex());
  }

  /** A keyed hash of the record id: whoever holds a record cannot tell from the keys that this vault holds it. */
  private byte[] peerKey(RecordId id) {
    return vault.lookupKey(Store.PEER_RECORDS, id.bytes());
  }

  private byte[] cursorKey(PublicId peerId) {
    return VaultSchema.syncCursor(vault, peerId.hex());
  }

  static byte[] seqKey(long seq) {
    return ByteBuffer.allocate(8).putLong(seq).array();
  }
}
