package org.kith.node.notes;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files an import left out, counted by reason, and the first {@link #MAX_LISTED} of them by name (a folder
 * can hold thousands of pictures: the counts say how many, the list says which ones first).
 */
public final class Skipped {
  /** Skipped files named one by one in a result; the counts cover all of them. */
  public static final int MAX_LISTED = 100;

  /** Why a file was left out, as the summary line says it. */
  public enum Reason {
    NOT_TEXT("not text"),
    TOO_LARGE("too large"),
    EMPTY("empty"),
    HIDDEN("hidden"),
    UNSUPPORTED("unsupported type"),
    UNREADABLE("unreadable");

    public final String words;

    Reason(String words) {
      this.words = words;
    }
  }

  private final Map<Reason, Integer> counts = new EnumMap<>(Reason.class);
  private final List<String> listed = new ArrayList<>();

  /** Counts one skipped file (or hidden folder), named {@code what}, with a {@code detail} for the list. */
  synchronized void add(String what, Reason reason, String detail) {
    counts.merge(reason, 1, Integer::sum);
    if (listed.size() < MAX_LISTED) {
      listed.add(what + ": " + detail);
    }
  }

  public synchronized int total() {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Count per reason (the reason's words), most common first; reasons with none are left out. */
  public synchronized Map<String, Integer> byReason() {
    Map<String, Integer> out = new LinkedHashMap<>();
    counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
        .forEach(e -> out.put(e.getKey().words, e.getValue()));
    return out;
  }

  /** "2 not text, 1 too large"; empty when nothing was skipped. */
  public String summary() {
    List<String> parts = new ArrayList<>();
    byReason().forEach((why, n) -> parts.add(n + " " + why));
    return String.join(", ", parts);
  }

  /** "name: why" for the first {@link #MAX_LISTED} skipped files. */
  public synchronized List<String> listed() {
    return List.copyOf(listed);
  }
}
