package org.kith.node.inbox;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.kith.node.base.KithException;
import org.kith.node.events.Events;
import org.kith.node.events.NodeEvent;
import org.kith.node.inbox.InboxEntry.Match;
import org.kith.node.notes.NoteStore;
import org.kith.node.peers.Peer;
import org.kith.node.peers.PeerBook;
import org.kith.node.records.Held;
import org.kith.node.records.RecordStore;
import org.kith.node.records.RecordText;
import org.kith.node.search.NoteSearch;
import org.kith.node.search.RecordRanker;
import org.kith.node.vault.VaultSchema;
import org.kith.node.vault.Vaults;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.record.RecordId;
import org.kith.storage.Batch;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;
import org.kith.storage.VaultReadOnlyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mutual aid, live: when a peer's {@code need} arrives through sync, this node checks it against its own notes and
 * {@code offer} records, here, with its own model, and keeps an inbox entry when something fits. Nothing about the
 * match goes to any peer: this class has no way to send, and signs nothing. An entry lives while the need does:
 * once the need expires, is retracted, or its author is unpaired, the entry is deleted.
 *
 * <p>Thread-safe: matching runs on the node's worker (it embeds), the inbox's state is guarded by this object.
 */
public final class Inbox {
  private static final Logger LOG = LoggerFactory.getLogger(Inbox.class);
  /** Notes and offers at most listed as fitting one need. */
  public static final int MAX_MATCHES = 5;
  /**
   * Cosine similarity at least this for a note or offer to count as fitting. For MiniLM sentence vectors, 0.35 is
   * where texts start to be about the same thing ("a wobbly bicycle wheel" and "truing a wheel" score about 0.5,
   * unrelated sentences under 0.2); lower would announce noise, higher would miss paraphrases.
   */
  public static final float MIN_SIMILARITY = 0.35f;
  /** Entries kept at most; beyond it the oldest leave first. */
  public static final int MAX_ENTRIES = 1000;

  /** An entry as shown: the stored entry, the need it answers and who sent it. */
  public record View(InboxEntry entry, Held need, String petname, String text) {}

  private final Vault vault;
  private final RecordStore records;
  private final NoteSearch search;
  private final RecordRanker ranker;
  private final PeerBook peers;
  private final Events events;
  private final Clock clock;
  private final Executor worker;
  /** Need id hex -> entry, oldest first; guarded by this. */
  private final Map<String, InboxEntry> entries = new LinkedHashMap<>();

  public Inbox(Vault vault, RecordStore records, NoteSearch search, RecordRanker ranker, PeerBook peers,
      Events events, Clock clock, Executor worker) throws KithException {
    this.vault = vault;
    this.records = records;
    this.search = search;
    this.ranker = ranker;
    this.peers = peers;
    this.events = events;
    this.clock = clock;
    this.worker = worker;
    load();
  }

  private void load() throws KithException {
    List<byte[]> keys = new ArrayList<>();
    try {
      vault.forEachKey(Store.META, k -> {
        if (VaultSchema.isInboxKey(k)) {
          keys.add(k);
        }
      });
      List<InboxEntry> loaded = new ArrayList<>();
      for (byte[] k : keys) {
        byte[] v = vault.get(Store.META, k);
        InboxEntry e = v == null ? null : InboxEntry.decode(v);
        if (e == null) {
          throw KithException.badInput("inbox entry " + HexFormat.of().formatHex(k) + " in the vault is not one this"
              + " version of Kith reads (written by a newer one?): update Kith; nothing was changed");
        }
        loaded.add(e);
      }
      loaded.sort(Comparator.comparingLong(InboxEntry::arrivedAtMillis));
      loaded.forEach(e -> entries.put(e.needId(), e));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  /**
   * Records that just arrived from a peer (called by the record store, with its lock held: this only queues the
   * matching on the worker).
   */
  public void arrived(List<Held> arrived) {
    List<Held> needs = arrived.stream().filter(h -> h.from != null && h.record.kind() == RecordKind.NEED).toList();
    if (needs.isEmpty()) {
      return;
    }
    try {
      worker.execute(() -> {
        try {
          consider(needs);
        } catch (KithException | RuntimeException e) {
          LOG.warn("matching a peer's need failed ({})", e.getClass().getSimpleName());
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.debug("closing or busy: a need is matched when it arrives again");
    }
  }

  /** Matches each need not in the inbox yet against our notes and offers; keeps an entry for those that fit. */
  public void consider(List<Held> needs) throws KithException {
    boolean changed = false;
    for (Held need : needs) {
      String id = need.record.id().hex();
      synchronized (this) {
        if (entries.containsKey(id)) {
          continue;
        }
      }
      InboxEntry e = match(need);
      if (e.notes().isEmpty() && e.offers().isEmpty()) {
        continue;
      }
      synchronized (this) {
        if (entries.containsKey(id) || records.peerRecord(need.record.id()).isEmpty()) {
          continue; // matched twice at once, or retracted while we matched
        }
        put(e);
        changed = true;
      }
    }
    if (changed) {
      announce();
    }
  }

  /** What of ours fits {@code need}: notes and offers at or above {@link #MIN_SIMILARITY}, best first. */
  InboxEntry match(Held need) throws KithException {
    // Through the ranker: the vector stays with the held record, so the sync's own embedding pass and later asks
    // do not embed this need again.
    ranker.ensureVectors(List.of(need));
    float[] q = need.vector();
    List<Match> notes = new ArrayList<>();
    // By meaning only (no question words): the cosine of each candidate, as for offers below.
    for (NoteSearch.Match m : search.rank("", q, MAX_MATCHES, org.kith.node.search.Ranking.VECTOR_ONLY)) {
      if (m.cosine() >= MIN_SIMILARITY) {
        notes.add(new Match(m.note().id().hex(), m.cosine()));
      }
    }
    notes.sort((a, b) -> Float.compare(b.score(), a.score()));
    if (notes.size() > MAX_MATCHES) {
      notes.subList(MAX_MATCHES, notes.size()).clear();
    }
    List<Held> ownOffers = records.own(false).stream().filter(h -> h.record.kind() == RecordKind.OFFER).toList();
    List<Match> offers = new ArrayList<>();
    for (RecordRanker.Scored s : ranker.rank(ownOffers, q, MAX_MATCHES)) {
      if (s.score() >= MIN_SIMILARITY) {
        offers.add(new Match(s.held().record.id().hex(), s.score()));
      }
    }
    return new InboxEntry(need.record.id().hex(), need.from.hex(), clock.millis(),
        need.record.record().getExpiresAtMs(), notes, offers, false, false);
  }

  /** The entries to show, newest first: dismissed ones are left out; ones whose need is gone are deleted. */
  public synchronized List<View> list() throws KithException {
    purge();
    List<View> out = new ArrayList<>();
    for (InboxEntry e : entries.values()) {
      if (!e.dismissed()) {
        view(e).ifPresent(out::add);
      }
    }
    out.sort(Comparator.comparingLong((View v) -> -v.entry().arrivedAtMillis()));
    return out;
  }

  /** Entries shown and not read yet. */
  public synchronized int unread() throws KithException {
    purge();
    return (int) entries.values().stream().filter(e -> !e.read() && !e.dismissed()).count();
  }

  /** Marks an entry read; {@code idOrPrefix} as {@code kith inbox} shows it. */
  public View markRead(String idOrPrefix) throws KithException {
    return change(idOrPrefix, false);
  }

  /** Hides an entry for good (it stays stored, hidden, until its need expires, so it does not come back). */
  public View dismiss(String idOrPrefix) throws KithException {
    return change(idOrPrefix, true);
  }

  private View change(String idOrPrefix, boolean dismiss) throws KithException {
    View v;
    synchronized (this) {
      purge();
      InboxEntry e = find(idOrPrefix);
      InboxEntry next = dismiss ? e.asDismissed() : e.asRead();
      if (!next.equals(e)) {
        write(next);
        entries.put(next.needId(), next);
      }
      v = view(next).orElseThrow(() -> KithException.badInput("no inbox entry " + idOrPrefix + " (see `kith inbox`)"));
    }
    announce();
    return v;
  }

  private InboxEntry find(String idOrPrefix) throws KithException {
    String p = idOrPrefix == null ? "" : idOrPrefix.strip().toLowerCase(Locale.ROOT);
    if (p.length() < 8 || p.length() > 64 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw KithException.badInput("an inbox id is 8 to 64 hex digits (as `kith inbox` shows): " + idOrPrefix
          + "; nothing was changed");
    }
    List<InboxEntry> m = entries.values().stream().filter(e -> !e.dismissed() && e.needId().startsWith(p)).toList();
    if (m.isEmpty()) {
      throw KithException.badInput("no inbox entry " + idOrPrefix + " (see `kith inbox`); nothing was changed");
    }
    if (m.size() > 1) {
      throw KithException.badInput("inbox id " + idOrPrefix + " is ambiguous; give more digits; nothing was changed");
    }
    return m.get(0);
  }

  private Optional<View> view(InboxEntry e) {
    Optional<Held> need = records.peerRecord(RecordId.fromBytes(HexFormat.of().parseHex(e.needId())));
    if (need.isEmpty()) {
      return Optional.empty();
    }
    String petname = peers.get(PublicId.ofKey(HexFormat.of().parseHex(e.fromKey()))).map(Peer::petname)
        .orElse("a peer");
    return Optional.of(new View(e, need.get(), petname, summary(petname, RecordText.text(need.get().record),
        e.offers().size(), e.notes().size())));
  }

  /** "Carol needs help: "a wobbly wheel"; your offer and 2 of your notes fit". */
  static String summary(String petname, String needText, int offers, int notes) {
    List<String> parts = new ArrayList<>();
    if (offers > 0) {
      parts.add(offers == 1 ? "your offer" : offers + " of your offers");
    }
    if (notes > 0) {
      parts.add(notes == 1 ? "1 of your notes" : notes + " of your notes");
    }
    boolean one = offers + notes == 1;
    return petname + " needs help: \"" + RecordText.snippetOf(needText) + "\"; " + String.join(" and ", parts)
        + (one ? " fits" : " fit");
  }

  /** Deletes entries whose need expired or is no longer held (retracted, its author unpaired). */
  private void purge() throws KithException {
    long now = clock.millis();
    List<InboxEntry> gone = entries.values().stream().filter(e -> e.expiresAtMillis() <= now
        || records.peerRecord(RecordId.fromBytes(HexFormat.of().parseHex(e.needId()))).isEmpty()).toList();
    delete(gone);
  }

  private void put(InboxEntry e) throws KithException {
    List<InboxEntry> over = new ArrayList<>();
    if (entries.size() >= MAX_ENTRIES) {
      over.add(entries.values().iterator().next());
    }
    delete(over);
    write(e);
    entries.put(e.needId(), e);
  }

  private void write(InboxEntry e) throws KithException {
    try {
      vault.put(Store.META, key(e.needId()), e.encode());
    } catch (VaultException ex) {
      throw Vaults.translate(ex);
    }
  }

  private void delete(List<InboxEntry> gone) throws KithException {
    if (gone.isEmpty()) {
      return;
    }
    try (Batch b = vault.batch()) {
      for (InboxEntry e : gone) {
        b.delete(Store.META, key(e.needId()));
      }
      b.commit();
    } catch (VaultReadOnlyException ex) {
      // The disk is full: they leave the inbox now and the vault when there is space (the next purge).
    } catch (VaultException ex) {
      throw Vaults.translate(ex);
    }
    gone.forEach(e -> entries.remove(e.needId()));
  }

  private byte[] key(String needIdHex) {
    return VaultSchema.inboxEntry(vault, needIdHex);
  }

  private void announce() {
    try {
      int unread;
      int shown;
      synchronized (this) {
        unread = (int) entries.values().stream().filter(e -> !e.read() && !e.dismissed()).count();
        shown = (int) entries.values().stream().filter(e -> !e.dismissed()).count();
      }
      events.publish(NodeEvent.of(NodeEvent.INBOX_CHANGED, "unread", unread, "entries", shown));
    } catch (RuntimeException e) {
      LOG.error("telling the page about the inbox failed: {}", e.getClass().getName());
    }
  }
}
