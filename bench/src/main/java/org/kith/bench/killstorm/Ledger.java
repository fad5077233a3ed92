package org.kith.bench.killstorm;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The writes one vault acknowledged, checked against {@code kith note list --json} after every kill. Each note
 * starts with a marker word that no other note has, so its title (a note's first line, or a passage's heading)
 * names it; notes whose id was acknowledged are also looked up by id.
 */
final class Ledger {
  /** One acknowledged note: its marker, and its id when the acknowledgement carried one. */
  record Entry(String marker, String id) {}

  private final List<Entry> acknowledged = new ArrayList<>();
  private final Set<Entry> lost = new HashSet<>();

  synchronized void add(String marker, String id) {
    acknowledged.add(new Entry(marker, id));
  }

  synchronized int size() {
    return acknowledged.size();
  }

  synchronized int lost() {
    return lost.size();
  }

  /**
   * Checks every acknowledged entry against a note list; returns the entries missing now that were not missing
   * before (a write found lost is counted once).
   */
  synchronized List<Entry> check(JsonArray notes) {
    Map<String, String> titleById = new HashMap<>();
    Set<String> markers = new HashSet<>();
    for (JsonElement e : notes) {
      JsonObject n = e.getAsJsonObject();
      String title = n.get("title").getAsString();
      titleById.put(n.get("id").getAsString(), title);
      markers.add(firstWord(title));
    }
    List<Entry> missing = new ArrayList<>();
    for (Entry a : acknowledged) {
      boolean present = a.id() != null
          ? a.marker().equals(firstWord(titleById.getOrDefault(a.id(), "")))
          : markers.contains(a.marker());
      if (!present && lost.add(a)) {
        missing.add(a);
      }
    }
    return missing;
  }

  private static String firstWord(String title) {
    String t = title.strip();
    int sp = t.indexOf(' ');
    return sp < 0 ? t : t.substring(0, sp);
  }
}
