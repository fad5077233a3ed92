package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.kith.node.app.KithNode;
import org.kith.node.base.KithException;
import org.kith.node.api.Router.Route;
import org.kith.node.notes.Note;
import org.kith.node.notes.NoteId;
import org.kith.node.query.Asking;
import org.kith.node.records.Held;
import org.kith.node.records.RecordStore;
import org.kith.node.records.RecordText;
import org.kith.node.search.Snippets;
import org.kith.node.records.Sharing;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.Retract;
import org.kith.protocol.record.RecordId;

/** Sharing and asking: {@code /v1/shares}, {@code /v1/offers}, {@code /v1/needs}, {@code /v1/shared…}, ask, sync. */
final class ShareRoutes {
  /** Longest a {@code POST /v1/sync} waits for the pulls it started. */
  static final Duration MAX_SYNC_WAIT = Duration.ofSeconds(30);

  private ShareRoutes() {}

  static List<Route> routes(KithNode node) {
    return List.of(
        new Route("POST", "/v1/shares", c -> share(node, c.body())),
        new Route("POST", "/v1/offers", c -> offer(node, RecordKind.OFFER, c.body())),
        new Route("POST", "/v1/needs", c -> offer(node, RecordKind.NEED, c.body())),
        new Route("GET", "/v1/shared", c -> shared(node)),
        new Route("DELETE", "/v1/shared/{id}", c -> unshare(node, c.param(0))),
        new Route("POST", "/v1/ask", c -> ask(node, c.body())),
        new Route("POST", "/v1/sync", c -> sync(node)));
  }

  static Duration expiry(JsonObject body, Duration dflt) throws KithException {
    return Duration.ofSeconds(Json.longNum(body, "expiresSeconds", dflt.toSeconds()));
  }

  static String circle(JsonObject body) throws KithException {
    String c = Json.str(body, "circle", null);
    if (c == null || c.isBlank()) {
      throw KithException.badInput("name the circle to share with: {\"circle\": \"friends\"} (--with CIRCLE);"
          + " nothing was shared");
    }
    return c;
  }

  static JsonObject share(KithNode node, JsonObject body) throws KithException {
    int given = (body.has("note") ? 1 : 0) + (body.has("notes") ? 1 : 0) + (body.has("tag") ? 1 : 0);
    if (given != 1) {
      throw KithException.badInput("give one of {\"note\": \"NOTE_ID\"}, {\"notes\": [\"NOTE_ID\", ...]} or"
          + " {\"tag\": \"TAG\"}, and \"circle\": \"CIRCLE\"; nothing was shared");
    }
    String circle = circle(body);
    int reach = Json.integer(body, "reach", 1);
    Duration expiry = expiry(body, Sharing.DEFAULT_SHARE_EXPIRY);
    if (body.has("note")) {
      String noteId = Json.str(body, "note", null);
      if (noteId == null) {
        throw KithException.badInput("give {\"note\": \"NOTE_ID\", \"circle\": \"CIRCLE\"}");
      }
      Note note = node.notes().show(noteId);
      Held h = node.sharing().shareNote(note, circle, reach, expiry);
      return withAudienceSize(node, record(h, node.records()));
    }
    int leftOut = 0;
    List<Note> notes = new ArrayList<>();
    if (body.has("notes")) {
      List<String> ids = Json.strings(body, "notes");
      if (ids.size() > Sharing.MAX_NOTES_AT_ONCE) {
        throw KithException.badInput("at most " + Sharing.MAX_NOTES_AT_ONCE + " notes at once; nothing was shared");
      }
      Set<NoteId> seen = new HashSet<>();
      for (String id : ids) {
        Note n;
        try {
          n = node.notes().show(id);
        } catch (KithException e) {
          throw KithException.badInput(e.getMessage() + "; nothing was shared");
        }
        if (seen.add(n.id())) {
          notes.add(n);
        }
      }
    } else {
      String tag = Json.str(body, "tag", "").strip().replaceFirst("^#", "").toLowerCase(Locale.ROOT);
      if (tag.isEmpty()) {
        throw KithException.badInput("name the tag of the notes to share (--tag T); nothing was shared");
      }
      if (tag.equals(Sharing.PRIVATE_TAG)) {
        throw KithException.badInput("notes tagged '" + Sharing.PRIVATE_TAG + "' are never shared; nothing was shared");
      }
      for (Note n : node.notes().list()) {
        if (n.tags().contains(tag)) {
          if (n.tags().contains(Sharing.PRIVATE_TAG)) {
            leftOut++;
          } else {
            notes.add(n);
          }
        }
      }
      if (notes.isEmpty()) {
        throw KithException.badInput("no note you could share has the tag '" + tag + "'" + (leftOut > 0 ? " ("
            + leftOut + " tagged '" + Sharing.PRIVATE_TAG + "' too)" : "") + "; see `kith note list --tag " + tag
            + "` (nothing was shared)");
      }
    }
    List<Held> shared = node.sharing().shareNotes(notes, circle, reach, expiry);
    JsonObject o = new JsonObject();
    JsonArray records = new JsonArray();
    shared.forEach(h -> records.add(record(h, node.records())));
    o.add("records", records);
    o.addProperty("count", shared.size());
    o.addProperty("audience", shared.get(0).record.record().getAudience());
    o.addProperty("reach", reach);
    o.addProperty("expiresAt", Instant.ofEpochMilli(shared.get(0).record.record().getExpiresAtMs()).toString());
    o.addProperty("leftOutPrivate", leftOut);
    return withAudienceSize(node, o);
  }

  static JsonObject offer(KithNode node, RecordKind kind, JsonObject body) throws KithException {
    String circle = circle(body);
    Held h = node.sharing().offer(kind, Json.str(body, "text", null), circle,
        expiry(body, Sharing.DEFAULT_OFFER_EXPIRY));
    return withAudienceSize(node, record(h, null));
  }

  /**
   * Adds {@code peersInCircle}: how many paired peers the record's circle holds now, so a typo in a circle's
   * name ("neighbors") does not go unnoticed. Whoever is put in that circle later still receives the record.
   */
  static JsonObject withAudienceSize(KithNode node, JsonObject record) {
    String circle = record.get("audience").getAsString();
    record.addProperty("peersInCircle",
        node.peerBook().all().stream().filter(p -> p.paired() && p.circle().equals(circle)).count());
    return record;
  }

  static JsonArray shared(KithNode node) {
    JsonArray a = new JsonArray();
    for (Held h : node.records().own(false)) {
      a.add(record(h, node.records()));
    }
    return a;
  }

  static JsonObject unshare(KithNode node, String id) throws KithException {
    Held target = node.records().findOwn(id);
    Held retraction = node.sharing().unshare(target.record.id().hex());
    JsonObject o = record(retraction, null);
    o.addProperty("retracted", target.record.id().hex());
    return o;
  }

  static JsonObject sync(KithNode node) throws KithException {
    if (!node.running()) {
      throw new KithException(KithException.UNREACHABLE, "your node is not running: start it with `kith start`;"
          + " it syncs with your peers by itself while it runs");
    }
    int peers = node.peers().connectedPeers().size();
    try {
      node.sync().syncNow().get(MAX_SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // Each pull logs its own end; what arrived is stored.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    JsonObject o = new JsonObject();
    o.addProperty("peers", peers);
    o.addProperty("held", node.records().peerCount());
    return o;
  }

  static JsonObject ask(KithNode node, JsonObject body) throws KithException {
    String q = Json.str(body, "question", null);
    int k = Json.integer(body, "k", 5);
    int hops = Json.integer(body, "hops", 1);
    long timeoutMs = Json.longNum(body, "timeoutMs", Asking.DEFAULT_TIMEOUT.toMillis());
    Asking.AskResult res = node.queries().ask(q, k, hops, Duration.ofMillis(timeoutMs));
    if (res.asked() > 0 && res.answered() == 0 && res.items().isEmpty()) {
      throw new KithException(KithException.UNREACHABLE, "none of the " + res.asked() + " peers asked answered ("
          + String.join(", ", res.silent().stream().map(s -> s.petname() + ": " + s.reason()).toList())
          + ") and nothing in your own vault matched");
    }
    JsonObject o = new JsonObject();
    JsonArray items = new JsonArray();
    for (Asking.Item it : res.items()) {
      JsonObject i = new JsonObject();
      i.addProperty("id", it.id());
      i.addProperty("kind", it.kind());
      i.addProperty("title", it.title());
      i.addProperty("snippet", it.snippet());
      Json.passage(i, new Snippets.Passage(it.snippet(), it.highlights()));
      i.addProperty("author", it.author());
      i.add("path", Json.strings(it.path()));
      i.addProperty("createdAt", Instant.ofEpochMilli(it.createdAtMillis()).toString());
      i.addProperty("score", Math.round(it.score() * 10000) / 10000.0);
      i.addProperty("local", it.local());
      items.add(i);
    }
    o.add("results", items);
    o.addProperty("noGoodAnswer", res.noGoodAnswer());
    o.addProperty("hops", hops);
    o.addProperty("asked", res.asked());
    o.addProperty("answered", res.answered());
    JsonArray silent = new JsonArray();
    for (Asking.Silent s : res.silent()) {
      JsonObject x = new JsonObject();
      x.addProperty("peer", s.petname());
      x.addProperty("reason", s.reason());
      silent.add(x);
    }
    o.add("silent", silent);
    o.addProperty("rejected", res.rejected());
    o.addProperty("running", node.running());
    return o;
  }

  /** One of our records; {@code records} names the note a shared note came from (null: not looked up). */
  static JsonObject record(Held h, RecordStore records) {
    Record r = h.record.record();
    JsonObject o = new JsonObject();
    o.addProperty("id", h.record.id().hex());
    if (records != null) {
      records.sourceNote(h.record.id()).ifPresent(n -> o.addProperty("note", n));
    }
    o.addProperty("kind", RecordText.kindName(r.getKind()));
    o.addProperty("audience", r.getAudience());
    o.addProperty("reach", r.getReach());
    o.addProperty("seq", r.getSeq());
    o.addProperty("createdAt", Instant.ofEpochMilli(r.getCreatedAtMs()).toString());
    o.addProperty("expiresAt", Instant.ofEpochMilli(r.getExpiresAtMs()).toString());
    o.addProperty("title", RecordText.title(h.record));
    if (r.getKind() == RecordKind.RETRACT) {
      o.addProperty("retracts", RecordId.fromBytes(h.record.content(Retract.class).getRecordId().toByteArray()).hex());
    } else {
      o.addProperty("snippet", RecordText.snippet(h.record));
    }
    return o;
  }
}
