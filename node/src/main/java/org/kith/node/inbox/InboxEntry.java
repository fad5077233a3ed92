package org.kith.node.inbox;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A peer's need and what of ours fits it, as kept (sealed) in the vault: spec/VAULT.md section 5.4, {@code meta}
 * key {@code 0x05 || lookupKey("inbox/" || need id hex)}. The need's text is not copied here: it is read from the
 * peer's record while that is held, and the entry leaves the inbox with it.
 *
 * @param needId the need record's id (hex); the entry's id
 * @param fromKey the peer it came from (public key hex)
 * @param notes our notes that fit, best first
 * @param offers our offer records that fit, best first
 */
public record InboxEntry(String needId, String fromKey, long arrivedAtMillis, long expiresAtMillis,
    List<Match> notes, List<Match> offers, boolean read, boolean dismissed) {
  /** One of ours that fits: a note id or an offer record id (hex), and its similarity to the need. */
  public record Match(String id, float score) {}

  public InboxEntry {
    notes = List.copyOf(notes);
    offers = List.copyOf(offers);
  }

  public InboxEntry asRead() {
    return new InboxEntry(needId, fromKey, arrivedAtMillis, expiresAtMillis, notes, offers, true, dismissed);
  }

  public InboxEntry asDismissed() {
    return new InboxEntry(needId, fromKey, arrivedAtMillis, expiresAtMillis, notes, offers, true, true);
  }

  byte[] encode() {
    JsonObject o = new JsonObject();
    o.addProperty("v", 1);
    o.addProperty("need", needId);
    o.addProperty("from", fromKey);
    o.addProperty("arrivedAt", arrivedAtMillis);
    o.addProperty("expiresAt", expiresAtMillis);
    o.add("notes", encode(notes));
    o.add("offers", encode(offers));
    o.addProperty("read", read);
    o.addProperty("dismissed", dismissed);
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static JsonArray encode(List<Match> ms) {
    JsonArray a = new JsonArray();
    for (Match m : ms) {
      JsonObject o = new JsonObject();
      o.addProperty("id", m.id());
      o.addProperty("score", m.score());
      a.add(o);
    }
    return a;
  }

  /** Null if the bytes are not an entry this version reads. */
  static InboxEntry decode(byte[] bytes) {
    try {
      JsonObject o = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8)).getAsJsonObject();
      if (o.get("v").getAsInt() != 1) {
        return null;
      }
      return new InboxEntry(o.get("need").getAsString(), o.get("from").getAsString(), o.get("arrivedAt").getAsLong(),
          o.get("expiresAt").getAsLong(), matches(o.getAsJsonArray("notes")), matches(o.getAsJsonArray("offers")),
          o.get("read").getAsBoolean(), o.get("dismissed").getAsBoolean());
    } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static List<Match> matches(JsonArray a) {
    List<Match> out = new ArrayList<>();
    for (JsonElement e : a) {
      JsonObject m = e.getAsJsonObject();
      out.add(new Match(m.get("id").getAsString(), m.get("score").getAsFloat()));
    }
    return out;
  }
}
