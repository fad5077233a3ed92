package org.kith.node.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kith.node.base.KithException;

class TextChecksTest {
  /** {@code H} stands for a high surrogate, {@code L} for a low one, {@code P} for a whole pair (🚲). */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(textBlock = """
      abc,    0
      '',     0
      P,      0
      aPbPc,  0
      abHcd,  3
      abLcd,  3
      H,      1
      L,      1
      abH,    3
      LH,     1
      HH,     1
      PLP,    2
      PPaH,   4
      P日H,   3
      """)
  void brokenAt_countsCodePointsFromOne(String shape, int expected) {
    assertEquals(expected, TextChecks.brokenAt(decode(shape)));
  }

  @Test
  void brokenAt_null_isZero() {
    assertEquals(0, TextChecks.brokenAt(null));
  }

  @Test
  void requireWellFormed_namesWhatWhereAndTheOutcome() {
    KithException e = assertThrows(KithException.class,
        () -> TextChecks.requireWellFormed("note text", "ab\ud800cd", "nothing was added"));
    assertEquals(KithException.BAD_INPUT, e.exitCode());
    assertEquals("the note text has a broken character (a lone UTF-16 surrogate) at position 3; nothing was added",
        e.getMessage());
  }

  @Test
  void requireWellFormed_wellFormedOrNull_passes() throws KithException {
    TextChecks.requireWellFormed("note text", null, "nothing was added");
    TextChecks.requireWellFormed("note text", "", "nothing was added");
    TextChecks.requireWellFormed("note text", "a bike 🚲 and 𝄞 and 日本", "nothing was added");
  }

  static String decode(String shape) {
    return shape.replace("P", "\ud83d\udeb2").replace("H", "\ud800").replace("L", "\udc00");
  }
}
