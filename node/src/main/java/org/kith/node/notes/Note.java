package org.kith.node.notes;

import java.util.List;

/**
 * A note in the owner's vault. {@code source} names where an imported passage came from (a file path relative to
 * the imported folder, and a passage number), or is null for notes typed in. {@code updatedAtMillis} is when its
 * text last changed (a re-import of an edited file keeps the note's id); equal to {@code createdAtMillis} until then.
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
    updatedAtMillis = Math.max(createdAtMillis, updatedAtMillis);
  }

  /** A note as first written: updated when created. */
  public Note(NoteId id, String title, String text, List<String> tags, long createdAtMillis, String source) {
    this(id, title, text, tags, createdAtMillis, source, createdAtMillis);
  }

  /** The same note with new content: same id and creation time, updated {@code atMillis}. */
  public Note updated(String newTitle, String newText, List<String> newTags, String newSource, long atMillis) {
    return new Note(id, newTitle, newText, newTags, createdAtMillis, newSource, atMillis);
  }

  /** Whether its text or tags changed since it was written. */
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
