package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonElement;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kith.node.base.KithException;
import org.kith.node.notes.Note;
import org.kith.node.notes.NoteStore;
import org.kith.node.peers.Peer;
import org.kith.node.records.Sharing;
import org.kith.node.search.Snippets;

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
    o.addProperty("updatedAt", Instant.ofEpochMilli(n.updatedAtMillis()).toString());
    o.addProperty("source", n.source());
    return o;
  }

  /** The passage that matched and where the question's words stand in it: [[start, end], ...] in UTF-16 units. */
  static void passage(JsonObject o, Snippets.Passage p) {
    o.addProperty("passage", p.text());
    JsonArray hs = new JsonArray();
    for (Snippets.Range r : p.highlights()) {
      JsonArray pair = new JsonArray();
      pair.add(r.start());
      pair.add(r.end());
      hs.add(pair);
    }
    o.add("highlights", hs);
  }

  public static JsonObject peer(Peer p, boolean connected) {
    JsonObject o = new JsonObject();
    o.addProperty("id", p.id().text());
    o.addProperty("publicKey", p.id().hex());
    o.addProperty("fingerprint", p.id().fingerprint());
    o.addProperty("petname", p.petname());
    o.addProperty("circle", p.circle());
    o.add("addresses", strings(p.addresses()));
    // The seq of the peer's signed address record the addresses came from; 0 for an invite's or a pairing's.
    o.addProperty("addressSeq", p.addressSeq());
    o.addProperty("connected", connected);
    o.addProperty("pairedAt", Instant.ofEpochMilli(p.pairedAtMillis()).toString());
    o.addProperty("lastSeen", p.lastSeenMillis() == 0 ? null : Instant.ofEpochMilli(p.lastSeenMillis()).toString());
    o.addProperty("blocked", p.blocked());
    o.addProperty("unpairPending", p.unpairPending());
    return o;
  }

  /** An import's result; {@code shares} is what refreshing the shares of the notes it changed did. */
  public static JsonObject importResult(NoteStore.ImportResult r, Sharing.Refreshed shares) {
    JsonObject o = new JsonObject();
    o.addProperty("files", r.files());
    o.addProperty("imported", r.imported());
    o.addProperty("updated", r.updated());
    o.addProperty("unchanged", r.unchanged());
    o.addProperty("notesAdded", r.notesAdded());
    o.addProperty("notesUpdated", r.notesUpdated());
    o.addProperty("notesRemoved", r.notesRemoved());
    o.addProperty("sharesResigned", shares.resigned());
    o.addProperty("sharesWithdrawn", shares.withdrawn());
    o.addProperty("skippedCount", r.skipped().total());
    JsonObject reasons = new JsonObject();
    r.skipped().byReason().forEach(reasons::addProperty);
    o.add("skippedReasons", reasons);
    o.add("skipped", strings(r.skipped().listed()));
    String skipped = r.skipped().total() == 0 ? "" : " (" + r.skipped().summary() + ")";
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "Imported %d, updated %d, unchanged %d, skipped %d%s",
        r.imported(), r.updated(), r.unchanged(), r.skipped().total(), skipped));
    if (shares.resigned() > 0) {
      line.append("; ").append(shares.resigned()).append(shares.resigned() == 1 ? " share" : " shares")
          .append(" signed again with the new text");
    }
    if (shares.withdrawn() > 0) {
      line.append("; ").append(shares.withdrawn()).append(shares.withdrawn() == 1 ? " share" : " shares")
          .append(" withdrawn (the note is private now, or too long to share)");
    }
    o.addProperty("summary", line.append('.').toString());
    return o;
  }

  public static JsonArray strings(List<String> list) {
    JsonArray a = new JsonArray();
    list.forEach(a::add);
    return a;
  }

  // ---- reading request bodies: a field of the wrong type is bad input that names the field, never a 500

  /** A string field, or {@code dflt} when absent or null. */
  public static String str(JsonObject o, String field, String dflt) throws KithException {
    JsonElement e = field(o, field);
    if (e == null) {
      return dflt;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw wrongType(field, "a string");
    }
    return e.getAsString();
  }

  /** A whole-number field, or {@code dflt} when absent or null. */
  public static long longNum(JsonObject o, String field, long dflt) throws KithException {
    JsonElement e = field(o, field);
    if (e == null) {
      return dflt;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw wrongType(field, "a number");
    }
    BigDecimal d = e.getAsBigDecimal();
    try {
      return d.longValueExact();
    } catch (ArithmeticException ex) {
      throw wrongType(field, "a whole number within range");
    }
  }

  public static int integer(JsonObject o, String field, int dflt) throws KithException {
    long v = longNum(o, field, dflt);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw wrongType(field, "a whole number within range");
    }
    return (int) v;
  }

  /** A list of strings, empty when absent or null. */
  public static List<String> strings(JsonObject o, String field) throws KithException {
    JsonElement e = field(o, field);
    if (e == null) {
      return List.of();
    }
    if (!e.isJsonArray()) {
      throw wrongType(field, "a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonElement x : e.getAsJsonArray()) {
      if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
        throw wrongType(field, "a list of strings");
      }
      out.add(x.getAsString());
    }
    return out;
  }

  /** A list of objects, empty when absent or null. */
  public static List<JsonObject> objects(JsonObject o, String field) throws KithException {
    JsonElement e = field(o, field);
    if (e == null) {
      return List.of();
    }
    if (!e.isJsonArray()) {
      throw wrongType(field, "a list of objects");
    }
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement x : e.getAsJsonArray()) {
      if (!x.isJsonObject()) {
        throw wrongType(field, "a list of objects");
      }
      out.add(x.getAsJsonObject());
    }
    return out;
  }

  private static JsonElement field(JsonObject o, String field) {
    if (o == null || !o.has(field) || o.get(field).isJsonNull()) {
      return null;
    }
    return o.get(field);
  }

  private static KithException wrongType(String field, String what) {
    return KithException.badInput("\"" + field + "\" must be " + what + "; nothing was changed");
  }
}
