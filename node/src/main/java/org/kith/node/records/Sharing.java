package org.kith.node.records;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kith.node.base.KithException;
import org.kith.node.identity.Signer;
import org.kith.node.notes.Note;
import org.kith.node.notes.TextChecks;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.NeedContent;
import org.kith.protocol.proto.NoteContent;
import org.kith.protocol.proto.OfferContent;
import org.kith.protocol.proto.ProfileContent;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.Retract;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.record.RecordException;
import org.kith.protocol.record.RecordVerifier;
import org.kith.protocol.record.VerifiedRecord;

/**
 * The journey "share": what a person chooses to share becomes a signed record with an audience (a circle),
 * a reach and an expiry, stored among our own records, from which peers in that circle pull it.
 */
public final class Sharing {
  public static final Duration DEFAULT_SHARE_EXPIRY = Duration.ofDays(180);
  public static final Duration DEFAULT_OFFER_EXPIRY = Duration.ofDays(30);
  /** Notes with this tag are never shared. */
  public static final String PRIVATE_TAG = "private";
  /** Bytes of an offer's or need's text. */
  public static final int MAX_OFFER_BYTES = 2048;

  private final RecordStore store;
  private final Signer signer;
  private final Clock clock;

  public Sharing(RecordStore store, Signer signer, Clock clock) {
    this.store = store;
    this.signer = signer;
    this.clock = clock;
  }

  /** Shares a note with a circle. Notes tagged {@value #PRIVATE_TAG} are refused. */
  public Held shareNote(Note note, String circle, int reach, Duration expiry) throws KithException {
    if (note.tags().contains(PRIVATE_TAG)) {
      throw KithException.badInput("this note is tagged '" + PRIVATE_TAG + "' and is never shared; remove the tag"
          + " first if you really mean to share it (nothing was shared)");
    }
    NoteContent c = content(note);
    if (c.getSerializedSize() > Limits.MAX_CONTENT_BYTES) {
      throw KithException.badInput("this note is too long to share (" + c.getSerializedSize() + " bytes, at most "
          + Limits.MAX_CONTENT_BYTES + "); split it into shorter notes (nothing was shared)");
    }
    return signAndStore(RecordKind.NOTE, c.toByteString(), circle, reach, expiry, null, note.id().hex());
  }

  /** Most notes one {@link #shareNotes} shares. */
  public static final int MAX_NOTES_AT_ONCE = 500;

  /**
   * Shares several notes with a circle, one record each, all or nothing as far as the input goes: the circle,
   * reach and expiry, and every note (not private, not too long), are checked before the first is signed.
   */
  public List<Held> shareNotes(List<Note> notes, String circle, int reach, Duration expiry) throws KithException {
    if (notes.isEmpty()) {
      throw KithException.badInput("no notes to share; nothing was shared");
    }
    if (notes.size() > MAX_NOTES_AT_ONCE) {
      throw KithException.badInput("at most " + MAX_NOTES_AT_ONCE + " notes at once (" + notes.size()
          + " given); share them in smaller groups (nothing was shared)");
    }
    checkShare(circle, reach, expiry);
    for (Note n : notes) {
      if (n.tags().contains(PRIVATE_TAG)) {
        throw KithException.badInput("note " + n.id().shortHex() + " is tagged '" + PRIVATE_TAG + "' and is never"
            + " shared; leave it out, or remove the tag first (nothing was shared)");
      }
      int size = content(n).getSerializedSize();
      if (size > Limits.MAX_CONTENT_BYTES) {
        throw KithException.badInput("note " + n.id().shortHex() + " is too long to share (" + size + " bytes, at most "
            + Limits.MAX_CONTENT_BYTES + "); leave it out or split it (nothing was shared)");
      }
    }
    List<Held> out = new java.util.ArrayList<>(notes.size());
    synchronized (store) {
      for (Note n : notes) {
        out.add(shareNote(n, circle, reach, expiry));
      }
    }
    return out;
  }

  private static NoteContent content(Note note) {
    return NoteContent.newBuilder().setTitle(cut(note.title(), 256)).setText(note.text())
        .addAllTags(note.tags().stream().filter(t -> t.getBytes(StandardCharsets.UTF_8).length <= 32).limit(16).toList())
        .build();
  }

  /** What {@link #refreshShares} did: shares signed again with new content, shares withdrawn. */
  public record Refreshed(int resigned, int withdrawn) {}

  /**
   * Brings the shares of changed notes (an edited file imported again: same note ids, new text) up to date. Each
   * of our live NOTE records shared from one of {@code notes} whose content differs from the note now is replaced:
   * a new record with the new content, the same audience and reach and what was left of the old one's lifetime,
   * and a retraction of the old one, stored in one batch, so a peer's next sync brings the new text and drops the
   * old. A note now tagged {@value #PRIVATE_TAG}, or grown too long to share, has its share retracted only.
   */
  public Refreshed refreshShares(List<Note> notes) throws KithException {
    Map<String, Note> byId = new HashMap<>();
    notes.forEach(n -> byId.put(n.id().hex(), n));
    int resigned = 0;
    int withdrawn = 0;
    synchronized (store) {
      for (Held h : store.own(false)) {
        Note note = h.record.kind() == RecordKind.NOTE
            ? store.sourceNote(h.record.id()).map(byId::get).orElse(null) : null;
        if (note == null) {
          continue;
        }
        NoteContent c = content(note);
        if (c.toByteString().equals(h.record.record().getContent())) {
          continue;
        }
        Record old = h.record.record();
        Duration rest = Duration.ofMillis(Math.max(1, old.getExpiresAtMs() - clock.millis()));
        if (note.tags().contains(PRIVATE_TAG) || c.getSerializedSize() > Limits.MAX_CONTENT_BYTES) {
          unshare(h.record.id().hex());
          withdrawn++;
          continue;
        }
        VerifiedRecord fresh = sign(RecordKind.NOTE, c.toByteString(), old.getAudience(), old.getReach(), rest,
            store.nextSeq());
        VerifiedRecord retraction = sign(RecordKind.RETRACT,
            Retract.newBuilder().setRecordId(h.record.id().toByteString()).build().toByteString(),
            old.getAudience(), old.getReach(), rest, store.nextSeq() + 1);
        store.replaceOwn(fresh, retraction, h, note.id().hex());
        resigned++;
      }
    }
    return new Refreshed(resigned, withdrawn);
  }

  public Held offer(RecordKind kind, String text, String circle, Duration expiry) throws KithException {
    TextChecks.requireWellFormed(kind == RecordKind.OFFER ? "offer" : "need", text, "nothing was shared");
    String t = text == null ? "" : text.strip();
    if (t.isEmpty()) {
      throw KithException.badInput("say what you " + (kind == RecordKind.OFFER ? "offer" : "need") + "; nothing was shared");
    }
    if (t.getBytes(StandardCharsets.UTF_8).length > MAX_OFFER_BYTES) {
      throw KithException.badInput("an offer or need is limited to " + MAX_OFFER_BYTES
          + " bytes; shorten it (nothing was shared)");
    }
    ByteString content = kind == RecordKind.OFFER ? OfferContent.newBuilder().setText(t).build().toByteString()
        : NeedContent.newBuilder().setText(t).build().toByteString();
    return signAndStore(kind, content, circle, 1, expiry, null, null);
  }

  public Held publishProfile(ProfileContent profile, String circle, Duration expiry) throws KithException {
    return signAndStore(RecordKind.PROFILE, profile.toByteString(), circle, 1, expiry, null, null);
  }

  /** Retracts one of our records: signs a RETRACT for its audience and deletes the record, in one batch. */
  public Held unshare(String idOrPrefix) throws KithException {
    synchronized (store) {
      Held target = store.findOwn(idOrPrefix);
      if (target.record.kind() == RecordKind.RETRACT) {
        throw KithException.badInput("that record is itself a retraction; nothing was changed");
      }
      Record r = target.record.record();
      Duration expiry = Duration.ofMillis(Math.max(1, r.getExpiresAtMs() - clock.millis()));
      Retract content = Retract.newBuilder().setRecordId(target.record.id().toByteString()).build();
      return signAndStore(RecordKind.RETRACT, content.toByteString(), r.getAudience(), r.getReach(), expiry, target,
          null);
    }
  }

  private Held signAndStore(RecordKind kind, ByteString content, String circle, int reach, Duration expiry,
      Held replaces, String fromNote) throws KithException {
    String audience = checkShare(circle, reach, expiry);
    // The store's lock keeps seqs in order between taking the next one and storing the record.
    synchronized (store) {
      return store.addOwn(sign(kind, content, audience, reach, expiry, store.nextSeq()), replaces, fromNote);
    }
  }

  /** Checks what a share is given; returns the audience, stripped. */
  private static String checkShare(String circle, int reach, Duration expiry) throws KithException {
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
    return audience;
  }

  private VerifiedRecord sign(RecordKind kind, ByteString content, String audience, int reach, Duration expiry,
      long seq) {
    long now = clock.millis();
    Record record = Record.newBuilder()
        .setAuthor(ByteString.copyFrom(signer.id().key()))
        .setSeq(seq)
        .setCreatedAtMs(now)
        .setExpiresAtMs(now + expiry.toMillis())
        .setKind(kind)
        .setReach(reach)
        .setAudience(audience)
        .setContent(content)
        .build();
    SignedRecord signed = signer.sign(record);
    try {
      return RecordVerifier.verify(signed, now);
    } catch (RecordException e) {
      throw new IllegalStateException("a record we just signed does not verify: " + e.reason(), e);
    }
  }

  private static String cut(String s, int maxBytes) {
    String t = s == null ? "" : s;
    while (t.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }
}
