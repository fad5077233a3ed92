package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.List;
import org.kith.node.notes.Note;
import org.kith.node.pairing.Peer;

/** The JSON shapes of the API (spec/API.md); the CLI's --json output is the same. */
public final class Json {
  private Json() {}

  public static JsonObject note(Note n, boolean withText) {
    JsonObject o = new JsonObject();
    o.addProperty("id", n.id().hex());
    o.addProperty("title", n.title());
    if (withText) {
      o.addProperty("text", n.text());
    }
    o.add("tags", strings(n.tags()));
    o.addProperty("createdAt", Instant.ofEpochMilli(n.createdAtMillis()).toString());
    o.addProperty("source", n.source());
    return o;
  }

  public static JsonObject peer(Peer p, boolean connected) {
    JsonObject o = new JsonObject();
    o.addProperty("id", p.id().text());
    o.addProperty("publicKey", p.id().hex());
    o.addProperty("fingerprint", p.id().fingerprint());
    o.addProperty("petname", p.petname());
    o.addProperty("circle", p.circle());
    o.add("addresses", strings(p.addresses()));
    o.addProperty("connected", connected);
    o.addProperty("pairedAt", Instant.ofEpochMilli(p.pairedAtMillis()).toString());
    o.addProperty("lastSeen", p.lastSeenMillis() == 0 ? null : Instant.ofEpochMilli(p.lastSeenMillis()).toString());
    o.addProperty("blocked", p.blocked());
    o.addProperty("unpairPending", p.unpairPending());
    return o;
  }

  public static JsonObject importResult(org.kith.node.PersonalNode.ImportResult r) {
    JsonObject o = new JsonObject();
    o.addProperty("files", r.files());
    o.addProperty("unchanged", r.unchanged());
    o.addProperty("updated", r.updated());
    o.addProperty("notesAdded", r.notesAdded());
    o.addProperty("notesRemoved", r.notesRemoved());
    o.add("skipped", strings(r.skipped()));
    return o;
  }

  public static JsonArray strings(List<String> list) {
    JsonArray a = new JsonArray();
    list.forEach(a::add);
    return a;
  }

  public static String str(JsonObject o, String field, String dflt) {
    return o != null && o.has(field) && !o.get(field).isJsonNull() ? o.get(field).getAsString() : dflt;
  }
}
