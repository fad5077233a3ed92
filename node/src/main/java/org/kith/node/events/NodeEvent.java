package org.kith.node.events;

import com.google.gson.JsonObject;
import java.util.Set;

/**
 * Something that happened in the node that the page shows live (spec/API.md, {@code GET /v1/events}): a type from
 * {@link #TYPES} and a small JSON object. Events carry counts and ids, never note text or a peer's words, so a
 * listener that writes them anywhere leaks nothing the local page could not fetch anyway.
 */
public record NodeEvent(String type, JsonObject data) {
  /** Records a peer shared with us arrived through sync; data {@code {"count": n}}. */
  public static final String RECORD_ARRIVED = "record-arrived";
  /** The inbox changed; data {@code {"unread": n, "entries": n}}. */
  public static final String INBOX_CHANGED = "inbox-changed";
  /** An import moved on; data {@code {"done": n, "total": n}}. */
  public static final String IMPORT_PROGRESS = "import-progress";
  public static final Set<String> TYPES = Set.of(RECORD_ARRIVED, INBOX_CHANGED, IMPORT_PROGRESS);

  public NodeEvent {
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("unknown event type: " + type);
    }
    data = data == null ? new JsonObject() : data.deepCopy();
  }

  /** A {@code {"name": value, ...}} event from pairs of names and numbers. */
  public static NodeEvent of(String type, Object... namesAndNumbers) {
    if (namesAndNumbers.length % 2 != 0) {
      throw new IllegalArgumentException("names and numbers come in pairs: " + namesAndNumbers.length);
    }
    JsonObject o = new JsonObject();
    for (int i = 0; i < namesAndNumbers.length; i += 2) {
      o.addProperty((String) namesAndNumbers[i], (Number) namesAndNumbers[i + 1]);
    }
    return new NodeEvent(type, o);
  }
}
