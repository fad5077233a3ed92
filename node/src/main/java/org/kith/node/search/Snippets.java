package org.kith.node.search;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picks the passage of a text that answers a question, to show instead of the text's first lines, and marks
 * the question's words in it. A text is cut into sentences (and lines); a window is one sentence or a few
 * that together fit {@link #MAX_PASSAGE_CHARS}. The window that holds the most of the question's weight
 * (each distinct matched word counts its IDF) wins; with no word in common, a caller may rank the windows by
 * meaning ({@link #windows}, {@link #choose}); else the first window is shown.
 */
public final class Snippets {
  /** Longest passage shown; about two lines on a terminal or a result card. */
  public static final int MAX_PASSAGE_CHARS = 240;
  static final String ELLIPSIS = "…";

  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[\\p{Lu}\"'(])|(?<=;)\\s+|\\s*\\n+\\s*");
  private static final Pattern HEADING_MARKS = Pattern.compile("^#{1,6}\\s+");

  private Snippets() {}

  /** A range of a passage to mark, in UTF-16 code units, end exclusive. */
  public record Range(int start, int end) {
    public Range {
      if (start < 0 || end < start) {
        throw new IllegalArgumentException("bad range [" + start + ", " + end + ")");
      }
    }
  }

  /** A passage to show and the ranges of it that match the question. */
  public record Passage(String text, List<Range> highlights) {
    public Passage {
      highlights = List.copyOf(highlights);
    }
  }

  /** A window of a text: where it starts and ends in it. */
  public record Window(int start, int end) {}

  /** The passage of {@code text} that best matches {@code q}, its first line dropped when it is {@code title}. */
  public static Passage best(String text, String title, QueryTerms q, Map<String, Double> idf) {
    List<Window> ws = windows(text, title);
    if (ws.isEmpty()) {
      return new Passage("", List.of());
    }
    Window w = choose(ws, win -> weight(text.substring(win.start(), win.end()), q, idf));
    return render(text, around(text, w, q), q, ws.get(0).start());
  }

  /** The windows of {@code text}, in order, skipping a first line that only repeats {@code title}. */
  public static List<Window> windows(String text, String title) {
    List<Window> sentences = sentences(text, skipTitle(text, title), text.length());
    List<Window> out = new ArrayList<>();
    for (int i = 0; i < sentences.size(); i++) {
      int start = sentences.get(i).start();
      int end = sentences.get(i).end();
      for (int j = i + 1; j < sentences.size() && sentences.get(j).end() - start <= MAX_PASSAGE_CHARS; j++) {
        end = sentences.get(j).end();
      }
      out.add(new Window(start, end));
    }
    return out;
  }

  /**
   * The part of a window from the first sentence that holds a question word to the last one that does: the
   * window was as long as fits, and its other sentences only stand between the reader and the answer.
   */
  static Window around(String text, Window w, QueryTerms q) {
    List<Window> sentences = sentences(text, w.start(), w.end());
    int first = -1;
    int last = -1;
    for (int i = 0; i < sentences.size(); i++) {
      Window s = sentences.get(i);
      if (!highlights(text.substring(s.start(), s.end()), q).isEmpty()) {
        first = first < 0 ? i : first;
        last = i;
      }
    }
    return first < 0 ? w : new Window(sentences.get(first).start(), sentences.get(last).end());
  }

  /** The sentences (and lines) of {@code text} between {@code from} and {@code to}. */
  static List<Window> sentences(String text, int from, int to) {
    List<Window> sentences = new ArrayList<>();
    Matcher m = SENTENCE_END.matcher(text);
    m.region(from, to);
    int pos = from;
    while (m.find()) {
      if (m.start() > pos) {
        sentences.add(new Window(pos, m.start()));
      }
      pos = m.end();
    }
    if (pos < to) {
      sentences.add(new Window(pos, to));
    }
    return sentences;
  }

  /** The window {@code score} likes best; the earliest on a tie, and the first when none scores above 0. */
  public static Window choose(List<Window> ws, ToDoubleFunction<Window> score) {
    Window best = ws.get(0);
    double bestScore = 0;
    for (Window w : ws) {
      double s = score.applyAsDouble(w);
      if (s > bestScore) {
        best = w;
        bestScore = s;
      }
    }
    return best;
  }

  /** The sum of the IDF of each distinct question word in {@code s}, plus a little for each repeat. */
  public static double weight(String s, QueryTerms q, Map<String, Double> idf) {
    if (q.terms().isEmpty()) {
      return 0;
    }
    Set<String> seen = new HashSet<>();
    double w = 0;
    for (QueryTerms.Token t : QueryTerms.tokens(s)) {
      if (q.terms().contains(t.term())) {
        w += seen.add(t.term()) ? idf.getOrDefault(t.term(), 1.0) : 0.01;
      }
    }
    return w;
  }

  /**
   * The window as shown: cut to the limit around its first match, whitespace folded, "…" where text goes on
   * (before it, only text past {@code from}, where the text starts once its title line is dropped).
   */
  public static Passage render(String text, Window w, QueryTerms q, int from) {
    int start = w.start();
    int end = w.end();
    if (end - start > MAX_PASSAGE_CHARS) {
      int firstMatch = start;
      for (QueryTerms.Token t : QueryTerms.tokens(text.substring(start, end))) {
        if (q.terms().contains(t.term())) {
          firstMatch = start + t.start();
          break;
        }
      }
      // Keep a little before the first match, so that it reads in context.
      int s = Math.max(start, Math.min(firstMatch - MAX_PASSAGE_CHARS / 4, end - MAX_PASSAGE_CHARS));
      int sp = text.lastIndexOf(' ', s);
      start = s == start || sp < start ? s : sp + 1;
      int e = Math.min(end, start + MAX_PASSAGE_CHARS);
      int ep = text.lastIndexOf(' ', e);
      end = e == end || ep <= start ? e : ep;
    }
    // Never cut a surrogate pair in two.
    if (start > 0 && start < text.length() && Character.isLowSurrogate(text.charAt(start))) {
      start++;
    }
    if (end < text.length() && end > start && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    String body = HEADING_MARKS.matcher(text.substring(start, end).strip()).replaceFirst("")
        .replaceAll("(?m)^#{1,6}\\s+", "").replaceAll("\\s+", " ").strip();
    boolean before = start > from && !text.substring(from, start).isBlank();
    boolean after = !text.substring(end).isBlank();
    String shown = (before ? ELLIPSIS : "") + body + (after ? ELLIPSIS : "");
    return new Passage(shown, highlights(shown, q));
  }

  /** Where the question's words stand in {@code s}. */
  public static List<Range> highlights(String s, QueryTerms q) {
    List<Range> out = new ArrayList<>();
    for (QueryTerms.Token t : QueryTerms.tokens(s)) {
      if (q.terms().contains(t.term())) {
        out.add(new Range(t.start(), t.end()));
      }
    }
    return out;
  }

  /** Where the text starts once a first line equal to the title (or a Markdown heading of it) is skipped. */
  private static int skipTitle(String text, String title) {
    int i = 0;
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    if (title == null || title.isBlank()) {
      return i;
    }
    int nl = text.indexOf('\n', i);
    String first = (nl < 0 ? text.substring(i) : text.substring(i, nl)).strip();
    String bare = HEADING_MARKS.matcher(first).replaceFirst("").strip();
    if (nl >= 0 && (bare.equals(title.strip()) || first.equals(title.strip()))) {
      return nl + 1;
    }
    return i;
  }
}
