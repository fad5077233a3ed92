package org.kith.node.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import java.io.PrintStream;

/**
 * The one place where words for the person at the terminal are written. Everything goes through
 * {@link TerminalText}, since much of it (notes, snippets, names, error messages) comes from peers.
 */
final class Terminal {
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  final PrintStream out;
  final PrintStream err;
  final boolean json;
  final boolean interactive;

  Terminal(PrintStream out, PrintStream err, boolean json, boolean interactive) {
    this.out = out;
    this.err = err;
    this.json = json;
    this.interactive = interactive;
  }

  /** Human output; suppressed in --json mode so stdout stays machine-readable. */
  void say(String line) {
    if (!json) {
      out.println(TerminalText.clean(line));
    }
  }

  void sayf(String format, Object... args) {
    if (!json) {
      out.print(TerminalText.clean(String.format(java.util.Locale.ROOT, format, cleanArgs(args))));
    }
  }

  /**
   * A passage, after {@code indent}, with the ranges {@code highlights} names ([start, end] pairs in UTF-16
   * units) in bold on a terminal. Each piece is cleaned on its own and the bold codes are ours, added after.
   */
  void sayMarked(String indent, String text, com.google.gson.JsonArray highlights) {
    if (json) {
      return;
    }
    StringBuilder b = new StringBuilder(TerminalText.clean(indent));
    int at = 0;
    for (JsonElement e : highlights == null ? new com.google.gson.JsonArray() : highlights) {
      int start = e.getAsJsonArray().get(0).getAsInt();
      int end = e.getAsJsonArray().get(1).getAsInt();
      if (start < at || end > text.length() || end <= start) {
        continue;
      }
      b.append(TerminalText.clean(text.substring(at, start)));
      String word = TerminalText.clean(text.substring(start, end));
      b.append(interactive ? BOLD + word + PLAIN : word);
      at = end;
    }
    b.append(TerminalText.clean(text.substring(at)));
    out.println(b);
  }

  private static final String BOLD = "\u001b[1m";
  private static final String PLAIN = "\u001b[22m";

  /** Machine output; printed only in --json mode. */
  void json(JsonElement e) {
    if (json) {
      out.println(TerminalText.json(GSON.toJson(e)));
    }
  }

  /** Progress and notes on stderr; never user data. */
  void note(String line) {
    if (!json) {
      err.println(TerminalText.clean(line));
    }
  }

  /** On stderr in --json mode too: something the person must not miss, though the command succeeded. */
  void warn(String message) {
    err.println("kith: warning: " + TerminalText.clean(message));
  }

  void error(String message) {
    err.println("kith: " + TerminalText.clean(message));
  }

  /** Cleaned before formatting too, so that {@code %-16s} pads what is shown, not what was dropped. */
  private static Object[] cleanArgs(Object[] args) {
    Object[] a = args.clone();
    for (int i = 0; i < a.length; i++) {
      if (a[i] instanceof CharSequence cs) {
        a[i] = TerminalText.clean(cs.toString());
      }
    }
    return a;
  }
}
