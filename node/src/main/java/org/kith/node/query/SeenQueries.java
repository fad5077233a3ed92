package org.kith.node.query;

import com.google.protobuf.ByteString;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Query ids seen, each until its deadline, to drop loops and repeats; at most {@link #MAX_SEEN_QUERY_IDS}. */
final class SeenQueries {
  /** Query ids remembered; the oldest are forgotten first. */
  static final int MAX_SEEN_QUERY_IDS = 4096;

  private final Map<ByteString, Long> seen = new LinkedHashMap<>();

  /** Remembers {@code id} until {@code deadline}; false if it was seen already. */
  synchronized boolean markSeen(ByteString id, long deadline, long now) {
    for (Iterator<Map.Entry<ByteString, Long>> it = seen.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<ByteString, Long> e = it.next();
      if (e.getValue() < now || seen.size() >= MAX_SEEN_QUERY_IDS) {
        it.remove();
      } else {
        break;
      }
    }
    if (seen.containsKey(id)) {
      return false;
    }
    seen.put(id, deadline);
    return true;
  }
}
