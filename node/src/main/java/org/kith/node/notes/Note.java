package org.kith.node.notes;

import java.util.List;

/**
 * A note in the owner's vault. {@code source} names where an imported passage came from (a file path and
 * passage number), or is null for notes typed in. {@code updatedAtMillis} is when it was last edited
 * ({@code createdAtMillis} for a note never edited).
 */
public record Note(NoteId id, String title, String text, List<String> tags, long createdAtMillis, String source,
    long updatedAtMillis) {
  public static final int MAX_TEXT_CHARS = 100_000;
  public static final int MAX_TAGS = 32;
  public static final int MAX_TAG_CHARS = 64;

  public Note {
    if (id == null) {
      throw new IllegalArgumentException("id == null");
    }
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("note text is empty");
    }
    tags = List.copyOf(tags);
    title = title == null || title.isBlank() ? firstLine(text) : title.strip();
    updatedAtMillis = Math.max(updatedAtMillis, createdAtMillis);
  }

  /** A note as written, never edited. */
  public Note(NoteId id, String title, String text, List<String> tags, long createdAtMillis, String source) {
    this(id, title, text, tags, createdAtMillis, source, createdAtMillis);
  }

  public boolean edited() {
    return updatedAtMillis != createdAtMillis;
  }

  /** The first non-blank line, without Markdown heading marks, cut to 80 characters. */
  public static String firstLine(String text) {
    for (String line : text.split("\\R")) {
      String s = line.strip().replaceFirst("^#+\\s*", "");
      if (!s.isEmpty()) {
        return s.length() <= 80 ? s : s.substring(0, 79) + "…";
      }
    }
    return "";
  }
}
