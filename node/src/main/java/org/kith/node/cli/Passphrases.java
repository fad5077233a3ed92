package org.kith.node.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.kith.node.base.KithException;

/** Where a passphrase comes from: {@code KITH_PASSPHRASE}, {@code --passphrase-file}, or a prompt without echo. */
final class Passphrases {
  /** Standard input, read a line at a time, so `--passphrase-file - --new-passphrase-file -` take two lines. */
  private static BufferedReader stdin;

  private Passphrases() {}

  static char[] read(Map<String, String> env, Path file, String prompt, boolean confirm) throws KithException {
    String fromEnv = env.get("KITH_PASSPHRASE");
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv.toCharArray();
    }
    if (file != null) {
      return fromFile(file);
    }
    return prompt(prompt, confirm);
  }

  static char[] fromFile(Path file) throws KithException {
    if (file.toString().equals("-")) {
      return fromStdin();
    }
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8);
      int nl = s.indexOf('\n');
      String line = nl >= 0 ? s.substring(0, nl) : s;
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      if (line.isEmpty()) {
        throw new KithException(KithException.LOCKED, "the passphrase file " + file + " is empty");
      }
      return line.toCharArray();
    } catch (IOException e) {
      throw new KithException(KithException.LOCKED, "cannot read the passphrase file " + file + ": " + e.getMessage());
    }
  }

  private static synchronized char[] fromStdin() throws KithException {
    try {
      if (stdin == null) {
        stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      }
      String line = stdin.readLine();
      if (line == null || line.isEmpty()) {
        throw new KithException(KithException.LOCKED,
            "no passphrase on standard input (`--passphrase-file -` reads its first line); nothing was changed");
      }
      return line.toCharArray();
    } catch (IOException e) {
      throw new KithException(KithException.LOCKED, "cannot read the passphrase from standard input: " + e.getMessage());
    }
  }

  static char[] prompt(String prompt, boolean confirm) throws KithException {
    Console c = System.console();
    if (c == null) {
      throw new KithException(KithException.LOCKED,
          "the vault needs a passphrase: set KITH_PASSPHRASE, pass --passphrase-file FILE (- for standard input),"
              + " or run in a terminal");
    }
    char[] p = c.readPassword("%s: ", TerminalText.clean(prompt));
    if (p == null || p.length == 0) {
      throw new KithException(KithException.LOCKED, "no passphrase given; nothing was changed");
    }
    if (confirm) {
      char[] again = c.readPassword("Repeat it: ");
      if (again == null || !Arrays.equals(p, again)) {
        throw KithException.badInput("the two passphrases differ; nothing was changed");
      }
      Arrays.fill(again, '\0');
    }
    return p;
  }
}
