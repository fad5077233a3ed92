package org.kith.node.notes;

import org.kith.node.base.KithException;

/**
 * Checks on text a person hands to the node. A JSON string may hold a lone UTF-16 surrogate ({@code "\ud800"}
 * decodes to one), which no UTF-8 encoder can write: the vault and the wire would silently store {@code ?}
 * instead. Such text is refused up front, with the place of the broken character.
 */
public final class TextChecks {
  private TextChecks() {}

  /**
   * Refuses text with a lone surrogate, as bad input: "the {@code what} has a broken character ... at
   * position N; {@code outcome}". N counts characters (code points) from 1 in the text as given. Null passes.
   */
  public static void requireWellFormed(String what, String text, String outcome) throws KithException {
    int at = brokenAt(text);
    if (at > 0) {
      throw KithException.badInput("the " + what + " has a broken character (a lone UTF-16 surrogate) at position "
          + at + "; " + outcome);
    }
  }

  /** The position, counting code points from 1, of the first lone surrogate in {@code text}; 0 if none or null. */
  public static int brokenAt(String text) {
    if (text == null) {
      return 0;
    }
    int n = text.length();
    int position = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      position++;
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return position;
      }
    }
    return 0;
  }
}
