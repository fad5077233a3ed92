package org.kith.node.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import java.io.PrintStream;

/** The one place where words for the person at the terminal are written. */
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
      out.println(line);
    }
  }

  void sayf(String format, Object... args) {
    if (!json) {
      out.printf(java.util.Locale.ROOT, format, args);
    }
  }

  /** Machine output; printed only in --json mode. */
  void json(JsonElement e) {
    if (json) {
      out.println(GSON.toJson(e));
    }
  }

  /** Progress and notes on stderr; never user data. */
  void note(String line) {
    if (!json) {
      err.println(line);
    }
  }

  void error(String message) {
    err.println("kith: " + message);
  }
}
