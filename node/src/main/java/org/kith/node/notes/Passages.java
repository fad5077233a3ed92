package org.kith.node.notes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a Markdown or text document into passages a sentence-embedding model can represent well: first at
 * headings, then at paragraphs when a section is long, never mid-word unless one paragraph alone is huge.
 * Front matter {@code tags:} and Obsidian-style {@code #tags} become note tags; a front matter {@code title:} is the
 * title of passages without a heading (before the file name), so files {@link MarkdownExport} wrote keep theirs.
 */
public final class Passages {
  /** MiniLM reads at most 256 word pieces; about this many characters keeps most passages whole. */
  public static final int MAX_PASSAGE_CHARS = 1200;

  /** Longest front matter title taken as a title. */
  public static final int MAX_TITLE_CHARS = 200;

  private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern INLINE_TAG = Pattern.compile("(?<![\\w#&/])#([\\p{L}\\p{N}_][\\p{L}\\p{N}_/-]*)");

  private Passages() {}

  /** One passage: a title (heading or first line), its text, and its tags. */
  public record Passage(String title, String text, List<String> tags) {}

  public static List<Passage> split(String document, String fallbackTitle) {
    String doc = document.replace("\r\n", "\n").replace('\r', '\n');
    Set<String> docTags = new LinkedHashSet<>();
    String[] docTitle = {null};
    doc = stripFrontMatter(doc, docTags, docTitle);
    String t = docTitle[0] == null ? "" : docTitle[0].strip();
    // A JSON escape can make a lone surrogate or a control character: such a title is ignored, as is a long one.
    String fallback = !t.isEmpty() && t.length() <= MAX_TITLE_CHARS && TextChecks.brokenAt(t) == 0
        && t.chars().noneMatch(Character::isISOControl) ? t : fallbackTitle;

    List<Passage> out = new ArrayList<>();
    String heading = null;
    StringBuilder body = new StringBuilder();
    boolean inFence = false;
    for (String line : doc.split("\n", -1)) {
      if (line.strip().startsWith("```") || line.strip().startsWith("~~~")) {
        inFence = !inFence;
      }
      Matcher m = inFence ? null : HEADING.matcher(line);
      if (m != null && m.matches()) {
        emit(out, heading, body.toString(), docTags, fallback);
        heading = m.group(2).strip();
        body.setLength(0);
      } else {
        body.append(line).append('\n');
      }
    }
    emit(out, heading, body.toString(), docTags, fallback);
    return out;
  }

  private static void emit(List<Passage> out, String heading, String body, Set<String> docTags, String fallback) {
    String text = body.strip();
    if (text.isEmpty()) {
      return;
    }
    String title = heading != null && !heading.isEmpty() ? heading : fallbackTitleOr(text, fallback);
    List<String> chunks = chunk(text);
    for (int i = 0; i < chunks.size(); i++) {
      String chunk = chunks.get(i);
      Set<String> tags = new LinkedHashSet<>(docTags);
      Matcher t = INLINE_TAG.matcher(chunk);
      while (t.find()) {
        tags.add(t.group(1).toLowerCase(Locale.ROOT));
      }
      String withHeading = heading != null && !heading.isEmpty() ? heading + "\n\n" + chunk : chunk;
      out.add(new Passage(chunks.size() > 1 ? title + " (" + (i + 1) + ")" : title, withHeading, List.copyOf(tags)));
    }
  }

  private static String fallbackTitleOr(String text, String fallback) {
    return fallback != null && !fallback.isBlank() ? fallback : Note.firstLine(text);
  }

  /** Paragraphs packed up to the limit; an over-long paragraph is cut at sentence ends, then at spaces. */
  public static List<String> chunk(String text) {
    if (text.length() <= MAX_PASSAGE_CHARS) {
      return List.of(text);
    }
    List<String> pieces = new ArrayList<>();
    for (String para : text.split("\\n\\s*\\n")) {
      String p = para.strip();
      if (p.isEmpty()) {
        continue;
      }
      if (p.length() <= MAX_PASSAGE_CHARS) {
        pieces.add(p);
      } else {
        pieces.addAll(cutLong(p));
      }
    }
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String p : pieces) {
      if (cur.length() > 0 && cur.length() + 2 + p.length() > MAX_PASSAGE_CHARS) {
        out.add(cur.toString());
        cur.setLength(0);
      }
      if (cur.length() > 0) {
        cur.append("\n\n");
      }
      cur.append(p);
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  private static List<String> cutLong(String p) {
    List<String> out = new ArrayList<>();
    String rest = p;
    while (rest.length() > MAX_PASSAGE_CHARS) {
      int cut = -1;
      for (int i = MAX_PASSAGE_CHARS - 1; i > MAX_PASSAGE_CHARS / 2; i--) {
        char c = rest.charAt(i);
        if ((c == '.' || c == '!' || c == '?') && Character.isWhitespace(rest.charAt(i + 1))) {
          cut = i + 1;
          break;
        }
      }
      if (cut < 0) {
        cut = rest.lastIndexOf(' ', MAX_PASSAGE_CHARS);
      }
      if (cut <= 0) {
        cut = MAX_PASSAGE_CHARS;
      }
      out.add(rest.substring(0, cut).strip());
      rest = rest.substring(cut).strip();
    }
    if (!rest.isEmpty()) {
      out.add(rest);
    }
    return out;
  }

  private static String stripFrontMatter(String doc, Set<String> tags, String[] title) {
    if (!doc.startsWith("---\n")) {
      return doc;
    }
    int end = doc.indexOf("\n---", 4);
    if (end < 0) {
      return doc;
    }
    String fm = doc.substring(4, end);
    boolean inTagList = false;
    for (String line : fm.split("\n")) {
      String l = line.strip();
      if (l.startsWith("title:")) {
        title[0] = unquote(l.substring(6).strip());
        inTagList = false;
      } else if (l.startsWith("tags:")) {
        String v = l.substring(5).strip();
        if (v.isEmpty()) {
          inTagList = true;
          continue;
        }
        for (String t : v.replace("[", "").replace("]", "").split(",")) {
          addTag(tags, t);
        }
        inTagList = false;
      } else if (inTagList && l.startsWith("- ")) {
        addTag(tags, l.substring(2));
      } else {
        inTagList = false;
      }
    }
    int after = doc.indexOf('\n', end + 4);
    return after < 0 ? "" : doc.substring(after + 1);
  }

  /** A YAML scalar on one line: a double-quoted one read as a JSON string, a single-quoted one unwrapped. */
  private static String unquote(String v) {
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      try {
        return com.google.gson.JsonParser.parseString(v).getAsString();
      } catch (RuntimeException e) {
        return v.substring(1, v.length() - 1);
      }
    }
    if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
      return v.substring(1, v.length() - 1).replace("''", "'");
    }
    return v;
  }

  private static void addTag(Set<String> tags, String raw) {
    String t = raw.strip().replace("\"", "").replace("'", "").replaceFirst("^#", "").toLowerCase(Locale.ROOT);
    if (!t.isEmpty() && t.length() <= Note.MAX_TAG_CHARS) {
      tags.add(t);
    }
  }
}
