package org.kith.node.cli;

import com.nulabinc.zxcvbn.Strength;
import com.nulabinc.zxcvbn.Zxcvbn;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kith.node.base.KithException;

/**
 * Refuses a new passphrase that is easy to guess, by zxcvbn's estimate (score 0 to 4). The vault's key is
 * wrapped by Argon2id over the passphrase, so anyone holding a copy of the vault can try guesses offline for as
 * long as they like: Argon2id slows each guess, but "password" is among the first tried.
 */
final class PassphraseStrength {
  /** zxcvbn's score: 2 is "somewhat guessable: protection from unthrottled online attacks" and up. */
  static final int MIN_SCORE = 2;
  static final String OVERRIDE = "--weak-passphrase-ok";

  private PassphraseStrength() {}

  /**
   * Throws a bad-input error saying why and what a good one looks like, unless the passphrase scores
   * {@link #MIN_SCORE} or more or the person said {@value #OVERRIDE}. {@code context} are words zxcvbn should
   * treat as known to an attacker (the name given at init, for example).
   */
  static void require(char[] passphrase, boolean weakOk, List<String> context) throws KithException {
    if (weakOk) {
      return;
    }
    List<String> known = new ArrayList<>(List.of("kith", "vault", "passphrase"));
    context.stream().filter(s -> s != null && !s.isBlank()).forEach(known::add);
    // zxcvbn's wipe() zeroes the characters it measured: give it a copy, never the caller's passphrase.
    char[] copy = passphrase.clone();
    Strength s = new Zxcvbn().measure(CharBuffer.wrap(copy), known);
    try {
      if (s.getScore() >= MIN_SCORE) {
        return;
      }
      String warning = s.getFeedback().getWarning();
      throw KithException.badInput("that passphrase is too easy to guess"
          + (warning == null || warning.isBlank() ? "" : " (" + warning.strip().replaceFirst("\\.$", "") + ")")
          + ": anyone who gets a copy of the vault can try guesses offline. Choose four or more uncommon words"
          + " (about 20 characters or more), e.g. a short sentence only you would write. Nothing was changed."
          + " To use it anyway, add " + OVERRIDE + ".");
    } finally {
      s.wipe();
      Arrays.fill(copy, '\0');
    }
  }
}
