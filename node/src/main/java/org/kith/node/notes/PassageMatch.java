package org.kith.node.notes;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.kith.node.notes.Passages.Passage;

/**
 * Maps the passages of a re-imported file onto the notes an earlier import made of it, so a note keeps its id
 * (and whatever points at it: a share, a link) when its file is edited. A passage whose title, text and tags are
 * all unchanged keeps its note untouched; then a changed passage takes the note with its title (a heading that
 * stayed while its section was edited); then a passage takes the note that was at its place in the file (a
 * one-passage file whose first line changed). Passages left over become new notes, notes left over are removed:
 * a note never takes the id of an unrelated passage, which would put that text into the other one's shares.
 */
final class PassageMatch {
  private PassageMatch() {}

  /**
   * What to write: {@code embed} holds new and changed notes (their text needs a new vector), {@code relabel} notes
   * whose content is unchanged but whose place in the file moved (written again, vector kept), {@code gone} notes
   * whose passage disappeared, {@code order} every note of the file in passage order.
   */
  record Plan(List<Note> embed, List<Note> relabel, List<NoteId> gone, List<NoteId> order, int added,
      List<NoteId> updated) {}

  /**
   * {@code old} holds the earlier notes in passage order, null where one was removed since; {@code passages}
   * carry normalised tags; {@code newId} makes the id of a note for a passage never seen.
   */
  static Plan plan(List<Note> old, List<Passage> passages, String label, long nowMillis, Supplier<NoteId> newId) {
    int n = passages.size();
    Note[] match = new Note[n];
    List<Note> free = new ArrayList<>(old.stream().filter(Objects::nonNull).toList());
    for (int i = 0; i < n; i++) {
      Passage p = passages.get(i);
      match[i] = take(free, o -> o.text().equals(p.text().strip()) && o.title().equals(titleOf(p))
          && o.tags().equals(p.tags()));
    }
    boolean[] same = new boolean[n];
    for (int i = 0; i < n; i++) {
      same[i] = match[i] != null;
    }
    for (int i = 0; i < n; i++) {
      if (match[i] == null) {
        Passage p = passages.get(i);
        match[i] = take(free, o -> o.title().equals(titleOf(p)));
      }
    }
    for (int i = 0; i < n && i < old.size(); i++) {
      if (match[i] == null && old.get(i) != null && free.remove(old.get(i))) {
        match[i] = old.get(i);
      }
    }
    List<Note> embed = new ArrayList<>();
    List<Note> relabel = new ArrayList<>();
    List<NoteId> order = new ArrayList<>();
    List<NoteId> updated = new ArrayList<>();
    int added = 0;
    for (int i = 0; i < n; i++) {
      Passage p = passages.get(i);
      String source = label + "#" + (i + 1);
      Note o = match[i];
      if (o == null) {
        Note fresh = new Note(newId.get(), p.title(), p.text().strip(), p.tags(), nowMillis, source);
        embed.add(fresh);
        order.add(fresh.id());
        added++;
      } else if (same[i]) {
        if (!Objects.equals(o.source(), source)) {
          relabel.add(new Note(o.id(), o.title(), o.text(), o.tags(), o.createdAtMillis(), source,
              o.updatedAtMillis()));
        }
        order.add(o.id());
      } else {
        embed.add(o.updated(p.title(), p.text().strip(), p.tags(), source, nowMillis));
        order.add(o.id());
        updated.add(o.id());
      }
    }
    List<NoteId> gone = free.stream().map(Note::id).toList();
    return new Plan(embed, relabel, gone, order, added, updated);
  }

  /** The title a note made from {@code p} gets (a note without a title takes its first line). */
  private static String titleOf(Passage p) {
    return p.title() == null || p.title().isBlank() ? Note.firstLine(p.text().strip()) : p.title().strip();
  }

  private static Note take(List<Note> free, java.util.function.Predicate<Note> test) {
    for (int i = 0; i < free.size(); i++) {
      if (test.test(free.get(i))) {
        return free.remove(i);
      }
    }
    return null;
  }
}
