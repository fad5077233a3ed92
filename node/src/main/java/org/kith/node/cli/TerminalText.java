package org.kith.node.cli;

/**
 * Makes text safe to write to a terminal. Notes, offers, snippets and names come from peers, and a terminal
 * acts on control characters: {@code ESC ] 0 ; title BEL} retitles the window, {@code ESC [ 2 J} clears it,
 * OSC 52 can write the clipboard. Bidi overrides reorder what is shown, so a line can read differently from
 * what it holds.
 *
 * <p>{@link #clean} drops, from human-readable output: C0 controls except newline and tab (a lone carriage
 * return can overwrite a line, so it goes too), DEL, C1 controls, whole escape sequences (CSI, OSC, DCS, SOS,
 * PM, APC and the two-character ones, in their 7-bit {@code ESC x} and 8-bit C1 forms) and the bidi marks,
 * embeddings, overrides and isolates. A lone UTF-16 surrogate becomes U+FFFD, which is what a person should
 * see for a broken character. The sequences are parsed the way the DEC/ECMA-48 terminal parser does, so a
 * sequence is dropped whole rather than leaving its parameters behind as text.
 *
 * <p>{@link #json} keeps {@code --json} output exact while making it just as safe: Gson already escapes C0
 * controls and U+2028/U+2029, but writes DEL, C1 controls, bidi controls and lone surrogates raw.
 */
final class TerminalText {
  private TerminalText() {}

  private static final char ESC = 0x1b;
  private static final char BEL = 0x07;
  private static final char CAN = 0x18;
  private static final char SUB = 0x1a;
  /** String Terminator in its 8-bit form; the 7-bit form is {@code ESC \}. */
  private static final char ST = 0x9c;
  private static final char REPLACEMENT = '\uFFFD';
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Text safe to print: see the class comment for what is dropped. Null stays null. */
  static String clean(String s) {
    if (s == null) {
      return null;
    }
    int n = s.length();
    int first = 0;
    while (first < n && !needsWork(s, first)) {
      first++;
    }
    if (first == n) {
      return s;
    }
    StringBuilder out = new StringBuilder(n);
    out.append(s, 0, first);
    int i = first;
    while (i < n) {
      char c = s.charAt(i);
      if (c == ESC) {
        i = afterEscape(s, i + 1, out);
      } else if (c == 0x9b) {
        i = afterCsi(s, i + 1, out);
      } else if (c == 0x9d || c == 0x90 || c == 0x98 || c == 0x9e || c == 0x9f) {
        i = afterControlString(s, i + 1);
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        out.append(c).append(s.charAt(i + 1));
        i += 2;
      } else if (Character.isSurrogate(c)) {
        out.append(REPLACEMENT);
        i++;
      } else {
        if (!forbidden(c)) {
          out.append(c);
        }
        i++;
      }
    }
    return out.toString();
  }

  /**
   * A JSON text as Gson writes it, with every character that {@link #forbidden} names, and every lone
   * surrogate, written as a {@code \}{@code uXXXX} escape. Outside strings JSON holds only ASCII punctuation,
   * digits, letters and whitespace, so such characters can only sit inside a string, where the escape stands
   * for exactly the same character: a parser reads back the same data.
   */
  static String json(String json) {
    int n = json.length();
    StringBuilder out = null;
    for (int i = 0; i < n; i++) {
      char c = json.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(json.charAt(i + 1));
      boolean escape = !pair && (Character.isSurrogate(c) || forbidden(c) || c == '\u2028' || c == '\u2029');
      if (escape && out == null) {
        out = new StringBuilder(n + 16).append(json, 0, i);
      }
      if (escape) {
        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
            .append(HEX[c & 0xf]);
      } else if (out != null) {
        out.append(c);
        if (pair) {
          out.append(json.charAt(i + 1));
        }
      }
      if (pair) {
        i++;
      }
    }
    return out == null ? json : out.toString();
  }

  /**
   * The single characters never written to a terminal: C0 controls except newline and tab, DEL, C1 controls,
   * and the bidi controls (LRM, RLM, ALM, the embeddings and overrides U+202A..U+202E, the isolates
   * U+2066..U+2069). Lone surrogates are not chars one can test alone; {@link #clean} replaces them.
   */
  static boolean forbidden(char c) {
    if (c < 0x20) {
      return c != '\n' && c != '\t';
    }
    if (c >= 0x7f && c <= 0x9f) {
      return true;
    }
    return c == '\u200e' || c == '\u200f' || c == '\u061c' || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069');
  }

  private static boolean needsWork(String s, int i) {
    char c = s.charAt(i);
    if (forbidden(c)) {
      return true;
    }
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    return Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
  }

  /** {@code from} is just after an ESC; returns where text resumes. */
  private static int afterEscape(String s, int from, StringBuilder out) {
    int n = s.length();
    if (from >= n) {
      return from;
    }
    char c = s.charAt(from);
    switch (c) {
      case '[':
        return afterCsi(s, from + 1, out);
      case ']':
      case 'P':
      case 'X':
      case '^':
      case '_':
        return afterControlString(s, from + 1);
      default:
        break;
    }
    // ESC, intermediates 0x20..0x2F, one final 0x30..0x7E: charset choices, DECSC, RIS and the like.
    int i = from;
    while (i < n && s.charAt(i) >= 0x20 && s.charAt(i) <= 0x2f) {
      i++;
    }
    if (i < n && s.charAt(i) >= 0x30 && s.charAt(i) <= 0x7e) {
      return i + 1;
    }
    // Not a sequence (ESC then a control, a non-ASCII char or the end): only the ESC and the intermediates
    // go; whatever follows is looked at afresh.
    return i;
  }

  /**
   * {@code from} is just after a CSI; returns where text resumes. Parameter and intermediate bytes run until a
   * final byte 0x40..0x7E ends the sequence. As in a terminal, a newline or tab inside is still acted on,
   * CAN and SUB cancel, ESC starts another sequence and other controls are ignored; a non-ASCII char ends
   * the sequence and is kept.
   */
  private static int afterCsi(String s, int from, StringBuilder out) {
    int n = s.length();
    int i = from;
    while (i < n) {
      char c = s.charAt(i);
      if (c >= 0x40 && c <= 0x7e) {
        return i + 1;
      }
      if (c == CAN || c == SUB) {
        return i + 1;
      }
      if (c == ESC || c > 0x7f) {
        return i;
      }
      if (c == '\n' || c == '\t') {
        out.append(c);
      }
      i++;
    }
    return i;
  }

  /**
   * {@code from} is just after the opener of an OSC, DCS, SOS, PM or APC string; returns where text resumes.
   * The string's content is dropped up to BEL or ST (7-bit or 8-bit), which are dropped too; CAN or SUB
   * cancel it; another ESC ends it and starts afresh; an unterminated string runs to the end of the text.
   */
  private static int afterControlString(String s, int from) {
    int n = s.length();
    int i = from;
    while (i < n) {
      char c = s.charAt(i);
      if (c == BEL || c == ST || c == CAN || c == SUB) {
        return i + 1;
      }
      if (c == ESC) {
        return i + 1 < n && s.charAt(i + 1) == '\\' ? i + 2 : i;
      }
      i++;
    }
    return i;
  }
}
