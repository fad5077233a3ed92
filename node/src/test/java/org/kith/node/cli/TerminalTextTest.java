package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What may reach a terminal: escape sequences, controls and bidi overrides from peers never do. */
class TerminalTextTest {
  /** As Terminal builds it. */
  static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
  static final Gson PRETTY = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

  static final String ESC = "\u001b";

  /** Input and expected output; {@code <ESC>}, {@code <BEL>} and friends stand for the control characters. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      # the issue's example: retitle the window, clear the screen, turn red
      <ESC>]0;pwned<BEL><ESC>[2J<ESC>[31mURGENT                  | URGENT
      plain text, ünïcödé, 日本語, emoji 🚲                          | plain text, ünïcödé, 日本語, emoji 🚲
      "line one<LF>line two<TAB>tabbed"                          | "line one<LF>line two<TAB>tabbed"
      # CSI with parameters, intermediates and private markers
      a<ESC>[1;31mb<ESC>[0mc                                     | abc
      a<ESC>[?1049hb<ESC>[?25lc                                  | abc
      a<ESC>[3 qb                                                | ab
      a<ESC>[>0;1;2cb                                            | ab
      # a newline inside CSI is acted on by a terminal, so it is kept; CAN cancels; ESC restarts
      a<ESC>[3<LF>1mb                                            | "a<LF>b"
      a<ESC>[31<CAN>b                                            | ab
      a<ESC>[31<ESC>[0mb                                         | ab
      # OSC ended by BEL, by ST in both forms, by CAN; OSC 52 writes the clipboard; OSC 8 hyperlinks
      a<ESC>]0;title<BEL>b                                       | ab
      a<ESC>]0;title<ESC>\\b                                     | ab
      a<ESC>]0;title<ST>b                                        | ab
      a<ESC>]0;title<CAN>b                                       | ab
      a<ESC>]52;c;cm0gLXJmIH4=<BEL>b                             | ab
      a<ESC>]8;;http://evil.example/<ESC>\\click<ESC>]8;;<ESC>\\b | aclickb
      # an unterminated OSC runs to the end, as it would swallow what follows on a terminal
      a<ESC>]0;never ends                                        | a
      # an ESC inside an OSC ends it and starts a sequence of its own
      a<ESC>]0;x<ESC>[31mb                                       | ab
      # DCS, SOS, PM, APC strings
      a<ESC>Pq#0;2;0;0;0<ESC>\\b                                 | ab
      a<ESC>Xsos<ESC>\\b                                         | ab
      a<ESC>^pm<ESC>\\b                                          | ab
      a<ESC>_apc<BEL>b                                           | ab
      # two-character and nF sequences: reset, save cursor, index, charsets, DEC line attributes
      a<ESC>cb                                                   | ab
      a<ESC>7b<ESC>8c                                            | abc
      a<ESC>Db<ESC>Mc                                            | abc
      a<ESC>(0b<ESC>(Bc                                          | abc
      a<ESC>#8b                                                  | ab
      # a lone ESC: at the end, before a control, before a non-ASCII char
      ab<ESC>                                                    | ab
      a<ESC><BEL>b                                               | ab
      a<ESC>ñb                                                   | añb
      a<ESC><ESC>[2Jb                                            | ab
      # 8-bit C1 forms: the whole sequence goes, not only the introducer
      a<CSI>2Jb<CSI>31mc                                         | abc
      a<OSC>0;title<BEL>b                                        | ab
      a<OSC>0;title<ST>b                                         | ab
      a<DCS>data<ST>b                                            | ab
      a<APC>data<ST>b                                            | ab
      a<SOS>data<ST>b<PM>data<ST>c                               | abc
      a<NEL>b<IND>c<ST>d                                         | abcd
      # other C0 controls and DEL: backspace, carriage return, form feed, NUL
      abc<BS><BS><BS>xyz                                         | abcxyz
      "harmless<CR>evil"                                         | harmlessevil
      "a<CRLF>b"                                                 | "a<LF>b"
      a<NUL>b<FF>c<VT>d<DEL>e<BEL>f                              | abcdef
      # bidi: overrides, embeddings, isolates and marks
      invoice<RLO>fdp.exe                                        | invoicefdp.exe
      a<LRE>b<RLE>c<PDF>d<LRO>e                                  | abcde
      a<LRI>b<RLI>c<FSI>d<PDI>e                                  | abcde
      a<LRM>b<RLM>c<ALM>d                                        | abcd
      # a lone surrogate shows as the replacement character; a pair is a character like any other
      a<HIGH>b                                                   | a\uFFFDb
      a<LOW>b                                                    | a\uFFFDb
      ab<HIGH>                                                   | ab\uFFFD
      <LOW><HIGH>                                                | \uFFFD\uFFFD
      """)
  void clean_dropsSequencesAndControls_keepsText(String input, String expected) {
    String in = decode(input);
    String want = decode(expected);
    assertEquals(want, TerminalText.clean(in), () -> "for " + visible(in));
    assertEquals(want, TerminalText.clean(want), "cleaning twice changes nothing");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "plain", "tabs\tand\nnewlines", "🚲🚲🚲", "עברית and العربية (no overrides)",
      "100% {braces} [brackets] \\backslash ~tilde"})
  void clean_returnsCleanTextUnchanged(String s) {
    assertSame(s, TerminalText.clean(s));
  }

  @org.junit.jupiter.api.Test
  void clean_null_isNull() {
    assertNull(TerminalText.clean(null));
  }

  @org.junit.jupiter.api.Test
  void forbidden_isExactlyControlsAndBidi() {
    for (int c = 0; c <= 0xffff; c++) {
      boolean expected = (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f)
          || c == 0x200e || c == 0x200f || c == 0x061c || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
      assertEquals(expected, TerminalText.forbidden((char) c), "U+" + Integer.toHexString(c));
    }
  }

  @org.junit.jupiter.api.Test
  void clean_everySingleChar_isKeptOrDropped() {
    for (int c = 0; c <= 0xffff; c++) {
      String s = "a" + (char) c + "b";
      String cleaned = TerminalText.clean(s);
      if (Character.isSurrogate((char) c)) {
        assertEquals("a\uFFFDb", cleaned);
      } else if (TerminalText.forbidden((char) c) || c == 0x1b) {
        assertTrue(cleaned.equals("ab") || cleaned.equals("a"), "U+" + Integer.toHexString(c) + " -> " + visible(cleaned));
      } else {
        assertEquals(s, cleaned, "U+" + Integer.toHexString(c));
      }
    }
  }

  // ---- properties over seeded random strings

  static LongStream seeds() {
    long base = Long.getLong("kith.test.seed", System.nanoTime());
    return LongStream.range(0, 200).map(i -> base + i);
  }

  /** Characters a hostile peer would reach for, mixed with ordinary text, in random order. */
  static final char[] HOSTILE = ("\u001b\u001b\u001b[[]]PX^_\\\u0007\u0018\u001a\u009b\u009c\u009d\u0090\u0098\u009e"
      + "\u009f\u0085\u007f\r\n\t\b\u0000;0123456789?m JHx\u202e\u2066\u200f\u061c\ud800\udc00\ud83d\udeb2é日")
      .toCharArray();

  @ParameterizedTest
  @MethodSource("seeds")
  void clean_randomHostileText_neverLeavesAForbiddenChar(long seed) {
    Random rnd = new Random(seed);
    StringBuilder sb = new StringBuilder();
    int len = rnd.nextInt(200);
    for (int i = 0; i < len; i++) {
      sb.append(rnd.nextInt(4) == 0 ? (char) rnd.nextInt(0x10000) : HOSTILE[rnd.nextInt(HOSTILE.length)]);
    }
    String in = sb.toString();
    String out = TerminalText.clean(in);
    try {
      assertSafe(out);
      assertEquals(out, TerminalText.clean(out), "cleaning twice changes nothing");
      assertTrue(out.length() <= in.length());
    } catch (AssertionError e) {
      fail("seed " + seed + " (rerun with -Dkith.test.seed=" + seed + "), input " + visible(in) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Printable text around well-formed sequences: the text, newlines and tabs included, comes out whole and in
   * order, and nothing of the sequences does.
   */
  @ParameterizedTest
  @MethodSource("seeds")
  void clean_textBetweenSequences_isKeptExactly(long seed) {
    Random rnd = new Random(seed);
    StringBuilder in = new StringBuilder();
    StringBuilder want = new StringBuilder();
    int parts = 1 + rnd.nextInt(12);
    for (int p = 0; p < parts; p++) {
      String text = printable(rnd);
      in.append(text);
      want.append(text);
      in.append(sequence(rnd));
    }
    String out = TerminalText.clean(in.toString());
    assertEquals(visible(want.toString()), visible(out), () -> "seed " + seed + " (rerun with -Dkith.test.seed="
        + seed + "), input " + visible(in.toString()));
  }

  static String printable(Random rnd) {
    String[] pieces = {"a", "Z", "0", " ", "\n", "\t", "[", "]", "\\", ";", "é", "日", "🚲", "%s", "m", "P", "ا"};
    StringBuilder sb = new StringBuilder();
    int n = rnd.nextInt(8);
    for (int i = 0; i < n; i++) {
      sb.append(pieces[rnd.nextInt(pieces.length)]);
    }
    return sb.toString();
  }

  /** A complete escape sequence, control string, control character or bidi control. */
  static String sequence(Random rnd) {
    String params = params(rnd);
    String payload = printable(rnd).replace("\n", "").replace("\t", "");
    String st = rnd.nextBoolean() ? ESC + "\\" : "\u009c";
    char finalByte = (char) (0x40 + rnd.nextInt(0x3f));
    return switch (rnd.nextInt(9)) {
      case 0 -> ESC + "[" + params + finalByte;
      case 1 -> "\u009b" + params + finalByte;
      case 2 -> ESC + "]" + payload + (rnd.nextBoolean() ? "\u0007" : st);
      case 3 -> "\u009d" + payload + (rnd.nextBoolean() ? "\u0007" : st);
      case 4 -> ESC + "P_X^".charAt(rnd.nextInt(4)) + payload + st;
      case 5 -> "\u0090\u0098\u009e\u009f".charAt(rnd.nextInt(4)) + payload + st;
      case 6 -> twoCharacter(rnd);
      case 7 -> String.valueOf(controlOrBidi(rnd));
      default -> "";
    };
  }

  /** ESC, maybe an intermediate, a final byte; without one, not a final that opens CSI or a control string. */
  static String twoCharacter(Random rnd) {
    String intermediate = rnd.nextBoolean() ? "" : String.valueOf("(#% ".charAt(rnd.nextInt(4)));
    char finalByte;
    do {
      finalByte = (char) (0x30 + rnd.nextInt(0x4f));
    } while (intermediate.isEmpty() && "[]PX^_".indexOf(finalByte) >= 0);
    return ESC + intermediate + finalByte;
  }

  static String params(Random rnd) {
    StringBuilder sb = new StringBuilder();
    int n = rnd.nextInt(6);
    for (int i = 0; i < n; i++) {
      sb.append((char) (0x20 + rnd.nextInt(0x20)));
    }
    return sb.toString();
  }

  static char controlOrBidi(Random rnd) {
    while (true) {
      char c = (char) rnd.nextInt(0x2070);
      if (TerminalText.forbidden(c) && c != 0x1b && !(c >= 0x90 && c <= 0x9f && "\u0090\u0098\u009b\u009d\u009e\u009f"
          .indexOf(c) >= 0)) {
        return c;
      }
    }
  }

  // ---- --json output

  @org.junit.jupiter.api.Test
  void json_everyChar_isEscapedWhereATerminalWouldActOnIt_andReadsBackExactly() {
    // One text holding every UTF-16 unit, each between two x's so no two surrogates pair up.
    StringBuilder all = new StringBuilder();
    for (int c = 0; c <= 0xffff; c++) {
      all.append('x').append((char) c);
    }
    assertJsonRoundTrip(all.append('x').toString(), "every char");
    assertJsonRoundTrip("pairs stay pairs: 🚲 \ud83d\ude00 𝄞", "pairs");
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void json_randomHostileText_readsBackExactly(long seed) {
    Random rnd = new Random(seed);
    StringBuilder sb = new StringBuilder();
    int len = rnd.nextInt(100);
    for (int i = 0; i < len; i++) {
      sb.append(rnd.nextBoolean() ? (char) rnd.nextInt(0x10000) : HOSTILE[rnd.nextInt(HOSTILE.length)]);
    }
    assertJsonRoundTrip(sb.toString(), "seed " + seed + " (rerun with -Dkith.test.seed=" + seed + ")");
  }

  @org.junit.jupiter.api.Test
  void json_leavesSafeJsonAlone_andKeepsPairs() {
    String s = "{\"t\":\"🚲 日本 \\u001b\"}";
    assertSame(s, TerminalText.json(s));
    assertEquals("{\"t\":\"\\u009b\\u202e\"}", TerminalText.json("{\"t\":\"\u009b\u202e\"}"));
  }

  static void assertJsonRoundTrip(String text, String what) {
    JsonObject o = new JsonObject();
    o.addProperty("t", text);
    JsonObject nested = new JsonObject();
    nested.add(text, o);
    for (String json : List.of(GSON.toJson(o), GSON.toJson(nested), o.toString(),
        PRETTY.toJson(nested))) {
      String safe = TerminalText.json(json);
      for (int i = 0; i < safe.length(); i++) {
        char c = safe.charAt(i);
        if (Character.isSurrogate(c) ? !isPaired(safe, i) : TerminalText.forbidden(c) || c == '\u2028' || c == '\u2029') {
          fail(what + ": raw U+" + Integer.toHexString(c) + " in " + visible(safe));
        }
      }
      assertEquals(JsonParser.parseString(json), JsonParser.parseString(safe), what);
    }
    assertEquals(text, JsonParser.parseString(TerminalText.json(GSON.toJson(o))).getAsJsonObject().get("t").getAsString(),
        what);
    assertEquals(text, JsonParser.parseString(TerminalText.json(GSON.toJson(nested))).getAsJsonObject()
        .keySet().iterator().next(), what);
  }

  // ---- helpers

  static void assertSafe(String out) {
    for (int i = 0; i < out.length(); i++) {
      char c = out.charAt(i);
      assertFalse(TerminalText.forbidden(c), () -> "forbidden U+" + Integer.toHexString(c) + " in " + visible(out));
      if (Character.isSurrogate(c)) {
        assertTrue(isPaired(out, i), "lone surrogate at " + i + " in " + visible(out));
      }
    }
  }

  static boolean isPaired(String s, int i) {
    char c = s.charAt(i);
    return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
        : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  static String decode(String s) {
    return s.replace("<ESC>", ESC).replace("<BEL>", "\u0007").replace("<CAN>", "\u0018").replace("<ST>", "\u009c")
        .replace("<CSI>", "\u009b").replace("<OSC>", "\u009d").replace("<DCS>", "\u0090").replace("<APC>", "\u009f")
        .replace("<SOS>", "\u0098").replace("<PM>", "\u009e").replace("<NEL>", "\u0085").replace("<IND>", "\u0084")
        .replace("<BS>", "\b").replace("<CRLF>", "\r\n").replace("<CR>", "\r").replace("<LF>", "\n")
        .replace("<TAB>", "\t").replace("<FF>", "\f").replace("<VT>", "\u000b").replace("<NUL>", "\u0000")
        .replace("<DEL>", "\u007f").replace("<RLO>", "\u202e").replace("<LRE>", "\u202a").replace("<RLE>", "\u202b")
        .replace("<PDF>", "\u202c").replace("<LRO>", "\u202d").replace("<LRI>", "\u2066").replace("<RLI>", "\u2067")
        .replace("<FSI>", "\u2068").replace("<PDI>", "\u2069").replace("<LRM>", "\u200e").replace("<RLM>", "\u200f")
        .replace("<ALM>", "\u061c").replace("<HIGH>", "\ud800").replace("<LOW>", "\udc00");
  }

  /** Shows controls as U+XXXX so a failure message is readable and harmless in a terminal itself. */
  static String visible(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || TerminalText.forbidden(c) || Character.isSurrogate(c)) {
        sb.append("<U+").append(Integer.toHexString(c)).append('>');
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
