package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.List;
import org.kith.node.api.Router.Route;
import org.kith.node.app.KithNode;
import org.kith.node.base.KithException;
import org.kith.node.inbox.Inbox;
import org.kith.node.inbox.InboxEntry;
import org.kith.node.notes.Note;
import org.kith.node.records.Held;
import org.kith.node.records.RecordText;

/** Peers' needs that our notes and offers fit: {@code /v1/inbox…}. Everything here stays on this node. */
final class InboxRoutes {
  private InboxRoutes() {}

  static List<Route> routes(KithNode node) {
    return List.of(
        new Route("GET", "/v1/inbox", c -> list(node)),
        new Route("POST", "/v1/inbox/{id}/read", c -> entry(node, node.inbox().markRead(c.param(0)))),
        new Route("POST", "/v1/inbox/{id}/dismiss", c -> dismissed(node, node.inbox().dismiss(c.param(0)))));
  }

  static JsonObject list(KithNode node) throws KithException {
    List<Inbox.View> views = node.inbox().list();
    JsonObject o = new JsonObject();
    o.addProperty("unread", views.stream().filter(v -> !v.entry().read()).count());
    JsonArray a = new JsonArray();
    for (Inbox.View v : views) {
      a.add(entry(node, v));
    }
    o.add("entries", a);
    return o;
  }

  static JsonObject dismissed(KithNode node, Inbox.View v) {
    JsonObject o = entry(node, v);
    o.addProperty("dismissed", true);
    return o;
  }

  static JsonObject entry(KithNode node, Inbox.View v) {
    InboxEntry e = v.entry();
    JsonObject o = new JsonObject();
    o.addProperty("id", e.needId());
    JsonObject from = new JsonObject();
    from.addProperty("publicKey", e.fromKey());
    from.addProperty("petname", v.petname());
    o.add("from", from);
    o.addProperty("need", RecordText.text(v.need().record));
    o.addProperty("text", v.text());
    o.addProperty("arrivedAt", Instant.ofEpochMilli(e.arrivedAtMillis()).toString());
    o.addProperty("expiresAt", Instant.ofEpochMilli(e.expiresAtMillis()).toString());
    o.addProperty("read", e.read());
    JsonArray notes = new JsonArray();
    for (InboxEntry.Match m : e.notes()) {
      try {
        Note n = node.notes().show(m.id());
        JsonObject x = Json.note(n, false);
        x.addProperty("score", Math.round(m.score() * 10000) / 10000.0);
        notes.add(x);
      } catch (KithException gone) {
        // Removed since the need arrived: no longer ours to offer.
      }
    }
    o.add("notes", notes);
    JsonArray offers = new JsonArray();
    for (InboxEntry.Match m : e.offers()) {
      try {
        Held h = node.records().findOwn(m.id());
        JsonObject x = new JsonObject();
        x.addProperty("id", m.id());
        x.addProperty("text", RecordText.text(h.record));
        x.addProperty("circle", h.record.record().getAudience());
        x.addProperty("score", Math.round(m.score() * 10000) / 10000.0);
        offers.add(x);
      } catch (KithException gone) {
        // Unshared since.
      }
    }
    o.add("offers", offers);
    return o;
  }
}
