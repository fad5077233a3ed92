package org.kith.node.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Passage selection and highlighting (issue 12: the snippet showed the start of the note, cut before the answer). */
class SnippetsTest {
  static final String TRADES = "Trades on our street\n"
      + "Maria Okafor (no. 14): electrician, rewired our kitchen and is careful with old fuse boxes. "
      + "Ahmed Rahimi (no. 22): plumber, fixed our leaking tap in under an hour and did not overcharge. "
      + "Jonas (no. 3) does plastering and small tiling jobs at weekends. "
      + "Beata (no. 41): locksmith, came at 11 pm when we were locked out.";

  static List<String> marked(Snippets.Passage p) {
    return p.highlights().stream().map(r -> p.text().substring(r.start(), r.end())).toList();
  }

  @Test
  void best_showsTheSentenceThatAnswers_notTheStartOfTheNote() {
    QueryTerms q = QueryTerms.of("who can fix a leaking tap?");
    assertEquals(Set.of("fix", "leak", "tap"), q.terms(), "question words and stop words are dropped, words stemmed");
    Snippets.Passage p = Snippets.best(TRADES, "Trades on our street", q, Map.of());
    assertTrue(p.text().contains("Ahmed Rahimi (no. 22): plumber, fixed our leaking tap"), p.text());
    assertFalse(p.text().contains("Maria"), "sentences without a question word are left out: " + p.text());
    assertTrue(p.text().startsWith("…") && p.text().endsWith("…"), "the text goes on both sides: " + p.text());
    assertEquals(List.of("fixed", "leaking", "tap"), marked(p));
  }

  @Test
  void best_rareWordsWeighMore_thanCommonOnes() {
    QueryTerms q = QueryTerms.of("locked out at night, need a locksmith");
    // "night" is everywhere in this vault, "locksmith" in one note: the sentence with the rare word wins.
    Snippets.Passage p = Snippets.best(TRADES + " Maria also works at night.", null, q,
        Map.of("locksmith", 3.0, "night", 0.1, "lock", 1.0));
    assertTrue(p.text().contains("Beata (no. 41): locksmith"), p.text());
  }

  @Test
  void best_titleLineIsNotRepeated_inThePassage() {
    Snippets.Passage p = Snippets.best("Bicycle repair\nI can patch inner tubes and true wheels.", "Bicycle repair",
        QueryTerms.of("patch a tube"), Map.of());
    assertEquals("I can patch inner tubes and true wheels.", p.text());
    assertEquals(List.of("patch", "tubes"), marked(p));
    Snippets.Passage h = Snippets.best("# Garden tools\n\nWe lend a wheelbarrow.", "Garden tools",
        QueryTerms.of("borrow a wheelbarrow"), Map.of());
    assertEquals("We lend a wheelbarrow.", h.text());
  }

  @Test
  void best_noWordInCommon_showsTheFirstWindow_withoutHighlights() {
    Snippets.Passage p = Snippets.best(TRADES, "Trades on our street", QueryTerms.of("dripping faucet"), Map.of());
    assertTrue(p.text().startsWith("Maria Okafor"), p.text());
    assertTrue(p.highlights().isEmpty());
    assertTrue(p.text().length() <= Snippets.MAX_PASSAGE_CHARS + 2, p.text());
  }

  @Test
  void best_oneHugeSentence_isCutAroundItsFirstMatch() {
    String filler = "word ".repeat(200);
    String text = filler + "the gate code is 4512 " + filler;
    Snippets.Passage p = Snippets.best(text, null, QueryTerms.of("gate code"), Map.of());
    assertTrue(p.text().contains("gate code is 4512"), p.text());
    assertTrue(p.text().length() <= Snippets.MAX_PASSAGE_CHARS + 2, p.text().length() + ": " + p.text());
    assertEquals(List.of("gate", "code"), marked(p));
  }

  @Test
  void highlights_areUtf16Ranges_thatAlwaysFallOnWholeWords() {
    Snippets.Passage p = Snippets.best("Café 🎉 opening: Zoë's bakery sells rye bread 🍞 on Sundays.", null,
        QueryTerms.of("rye bread sunday"), Map.of());
    assertEquals(List.of("rye", "bread", "Sundays"), marked(p));
  }

  @Test
  void best_randomText_neverSplitsASurrogatePair_orGoesOutOfRange() {
    long seed = new Random().nextLong();
    Random r = new Random(seed);
    String[] words = {"tap", "leak", "🍅", "tomato", "no.", "22", "\n", "Ahmed.", "Water", "é", "x".repeat(300)};
    for (int i = 0; i < 300; i++) {
      StringBuilder b = new StringBuilder();
      for (int j = r.nextInt(80); j > 0; j--) {
        b.append(words[r.nextInt(words.length)]).append(r.nextInt(4) == 0 ? ". " : " ");
      }
      String text = b.toString().isBlank() ? "x" : b.toString();
      Snippets.Passage p = Snippets.best(text, null, QueryTerms.of("leaking tap tomatoes 22"), Map.of());
      for (int k = 0; k < p.text().length(); k++) {
        char c = p.text().charAt(k);
        boolean paired = Character.isHighSurrogate(c) ? k + 1 < p.text().length()
            && Character.isLowSurrogate(p.text().charAt(k + 1))
            : !Character.isLowSurrogate(c) || k > 0 && Character.isHighSurrogate(p.text().charAt(k - 1));
        assertTrue(paired, "seed " + seed + ": a broken surrogate in " + p.text());
      }
      for (Snippets.Range h : p.highlights()) {
        assertTrue(h.end() <= p.text().length(), "seed " + seed + ": range out of " + p.text());
      }
    }
  }
}
