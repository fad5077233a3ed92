package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.kith.node.KithException;
import org.kith.node.NodeNetwork;
import org.kith.node.NodeServices;
import org.kith.node.notes.Note;
import org.kith.node.query.QueryService;
import org.kith.node.share.SharedRecords;
import org.kith.node.share.SharedRecords.Held;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.Retract;
import org.kith.protocol.record.RecordId;

/** The sharing and asking routes of spec/API.md: shares, offers, needs, shared, ask, sync, profile. */
final class ShareRoutes {
  /** Longest a {@code POST /v1/sync} waits for the pulls it started. */
  static final Duration MAX_SYNC_WAIT = Duration.ofSeconds(30);

  private final NodeServices services;

  ShareRoutes(NodeServices services) {
    this.services = services;
  }

  JsonElement handle(String method, String[] parts, Router.Request r) throws KithException {
    String head = parts[0];
    int n = parts.length;
    switch (head) {
      case "shares":
        if (n == 1) {
          return Router.only(method, "POST", () -> share(r.body()));
        }
        break;
      case "offers":
        if (n == 1) {
          return Router.only(method, "POST", () -> offer(RecordKind.OFFER, r.body()));
        }
        break;
      case "needs":
        if (n == 1) {
          return Router.only(method, "POST", () -> offer(RecordKind.NEED, r.body()));
        }
        break;
      case "shared":
        if (n == 1) {
          return Router.only(method, "GET", this::shared);
        }
        if (n == 2) {
          return Router.only(method, "DELETE", () -> unshare(parts[1]));
        }
        break;
      case "ask":
        return Router.only(method, "POST", () -> ask(r.body()));
      case "sync":
        return Router.only(method, "POST", this::sync);
      case "profile":
        return ProfileRoutes.handle(services, method, parts, r);
      default:
        break;
    }
    throw new Router.NotFound("no such API path: " + r.path());
  }

  static Duration expiry(JsonObject body, Duration dflt) throws KithException {
    if (body == null || !body.has("expiresSeconds")) {
      return dflt;
    }
    try {
      return Duration.ofSeconds(body.get("expiresSeconds").getAsLong());
    } catch (RuntimeException e) {
      throw KithException.badInput("expiresSeconds must be a number of seconds");
    }
  }

  static String circle(JsonObject body) throws KithException {
    String c = Json.str(body, "circle", null);
    if (c == null || c.isBlank()) {
      throw KithException.badInput("name the circle to share with: {\"circle\": \"friends\"} (--with CIRCLE);"
          + " nothing was shared");
    }
    return c;
  }

  JsonObject share(JsonObject body) throws KithException {
    String noteId = Json.str(body, "note", null);
    if (noteId == null) {
      throw KithException.badInput("give {\"note\": \"NOTE_ID\", \"circle\": \"CIRCLE\"}");
    }
    String circle = circle(body);
    int reach;
    try {
      reach = body.has("reach") ? body.get("reach").getAsInt() : 1;
    } catch (RuntimeException e) {
      throw KithException.badInput("reach must be 1 or 2");
    }
    Note note = services.node().showNote(noteId);
    return withAudienceSize(services, record(services.records().shareNote(note, circle, reach,
        expiry(body, SharedRecords.DEFAULT_SHARE_EXPIRY)), services.records()));
  }

  JsonObject offer(RecordKind kind, JsonObject body) throws KithException {
    String circle = circle(body);
    return withAudienceSize(services, record(services.records().offer(kind, Json.str(body, "text", null), circle,
        expiry(body, SharedRecords.DEFAULT_OFFER_EXPIRY))));
  }

  /**
   * Adds {@code peersInCircle}: how many paired peers the record's circle holds now, so a typo in a circle's
   * name ("neighbors") does not go unnoticed. Whoever is put in that circle later still receives the record.
   */
  static JsonObject withAudienceSize(NodeServices services, JsonObject record) {
    String circle = record.get("audience").getAsString();
    record.addProperty("peersInCircle",
        services.peers().all().stream().filter(p -> p.paired() && p.circle().equals(circle)).count());
    return record;
  }

  JsonArray shared() {
    JsonArray a = new JsonArray();
    for (Held h : services.records().own(false)) {
      a.add(record(h, services.records()));
    }
    return a;
  }

  JsonObject unshare(String id) throws KithException {
    Held target = services.records().findOwn(id);
    Held retraction = services.records().unshare(target.record.id().hex());
    JsonObject o = record(retraction);
    o.addProperty("retracted", target.record.id().hex());
    return o;
  }

  JsonObject sync() throws KithException {
    if (!(services.network() instanceof NodeNetwork net)) {
      throw new KithException(KithException.UNREACHABLE, "your node is not running: start it with `kith start`;"
          + " it syncs with your peers by itself while it runs");
    }
    int peers = net.connectedPeers().size();
    try {
      net.syncNow().get(MAX_SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // Each pull logs its own end; what arrived is stored.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    JsonObject o = new JsonObject();
    o.addProperty("peers", peers);
    o.addProperty("held", services.records().peerCount());
    return o;
  }

  JsonObject ask(JsonObject body) throws KithException {
    String q = Json.str(body, "question", null);
    int k;
    int hops;
    long timeoutMs;
    try {
      k = body.has("k") ? body.get("k").getAsInt() : 5;
      hops = body.has("hops") ? body.get("hops").getAsInt() : 1;
      timeoutMs = body.has("timeoutMs") ? body.get("timeoutMs").getAsLong() : QueryService.DEFAULT_TIMEOUT.toMillis();
    } catch (RuntimeException e) {
      throw KithException.badInput("k, hops and timeoutMs must be numbers");
    }
    QueryService.AskResult res = services.queries().ask(q, k, hops, Duration.ofMillis(timeoutMs));
    if (res.asked() > 0 && res.answered() == 0 && res.items().isEmpty()) {
      throw new KithException(KithException.UNREACHABLE, "none of the " + res.asked() + " peers asked answered ("
          + String.join(", ", res.silent().stream().map(s -> s.petname() + ": " + s.reason()).toList())
          + ") and nothing in your own vault matched");
    }
    JsonObject o = new JsonObject();
    JsonArray items = new JsonArray();
    for (QueryService.Item it : res.items()) {
      JsonObject i = new JsonObject();
      i.addProperty("id", it.id());
      i.addProperty("kind", it.kind());
      i.addProperty("title", it.title());
      i.addProperty("snippet", it.snippet());
      i.addProperty("author", it.author());
      i.add("path", Json.strings(it.path()));
      i.addProperty("createdAt", Instant.ofEpochMilli(it.createdAtMillis()).toString());
      i.addProperty("score", Math.round(it.score() * 10000) / 10000.0);
      i.addProperty("local", it.local());
      items.add(i);
    }
    o.add("results", items);
    o.addProperty("hops", hops);
    o.addProperty("asked", res.asked());
    o.addProperty("answered", res.answered());
    JsonArray silent = new JsonArray();
    for (QueryService.Silent s : res.silent()) {
      JsonObject x = new JsonObject();
      x.addProperty("peer", s.petname());
      x.addProperty("reason", s.reason());
      silent.add(x);
    }
    o.add("silent", silent);
    o.addProperty("rejected", res.rejected());
    o.addProperty("running", services.network() != null);
    return o;
  }

  static JsonObject record(Held h) {
    return record(h, null);
  }

  /** One of our records; {@code records} names the note a shared note came from (null: not looked up). */
  static JsonObject record(Held h, SharedRecords records) {
    Record r = h.record.record();
    JsonObject o = new JsonObject();
    o.addProperty("id", h.record.id().hex());
    if (records != null) {
      records.sourceNote(h.record.id()).ifPresent(n -> o.addProperty("note", n));
    }
    o.addProperty("kind", QueryService.kindName(r.getKind()));
    o.addProperty("audience", r.getAudience());
    o.addProperty("reach", r.getReach());
    o.addProperty("seq", r.getSeq());
    o.addProperty("createdAt", Instant.ofEpochMilli(r.getCreatedAtMs()).toString());
    o.addProperty("expiresAt", Instant.ofEpochMilli(r.getExpiresAtMs()).toString());
    o.addProperty("title", SharedRecords.title(h.record));
    if (r.getKind() == RecordKind.RETRACT) {
      o.addProperty("retracts", RecordId.fromBytes(h.record.content(Retract.class).getRecordId().toByteArray()).hex());
    } else {
      o.addProperty("snippet", SharedRecords.snippet(h.record));
    }
    return o;
  }
}
