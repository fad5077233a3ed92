package org.kith.node.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PassagesTest {
  @Test
  void split_atHeadings_withFrontMatterTags() {
    String doc = "---\ntitle: x\ntags:\n  - Garden\n  - compost\n---\n# First\n\nAlpha text.\n\n## Second\nBeta #Seeds text.\n";
    List<Passages.Passage> ps = Passages.split(doc, "file");
    assertEquals(2, ps.size());
    assertEquals("First", ps.get(0).title());
    assertEquals(List.of("garden", "compost"), ps.get(0).tags());
    assertEquals("Second", ps.get(1).title());
    assertTrue(ps.get(1).text().contains("Beta"));
    assertEquals(List.of("garden", "compost", "seeds"), ps.get(1).tags());
  }

  @Test
  void plainText_withoutHeadings_isOnePassageTitledByFile() {
    List<Passages.Passage> ps = Passages.split("just a line\nand another", "shopping");
    assertEquals(1, ps.size());
    assertEquals("shopping", ps.get(0).title());
  }

  @Test
  void longSection_isCutAtParagraphs_underTheLimit() {
    StringBuilder sb = new StringBuilder("# Long\n\n");
    for (int i = 0; i < 30; i++) {
      sb.append("Paragraph ").append(i).append(" ").append("word ".repeat(40)).append("\n\n");
    }
    List<Passages.Passage> ps = Passages.split(sb.toString(), "f");
    assertTrue(ps.size() > 3, "split into " + ps.size());
    for (Passages.Passage p : ps) {
      assertTrue(p.text().length() <= Passages.MAX_PASSAGE_CHARS + 10, "passage of " + p.text().length());
      assertTrue(p.title().startsWith("Long ("), p.title());
    }
    String joined = String.join(" ", ps.stream().map(Passages.Passage::text).toList());
    for (int i = 0; i < 30; i++) {
      assertTrue(joined.contains("Paragraph " + i + " "), "lost paragraph " + i);
    }
  }

  @Test
  void oneHugeParagraph_isCutWithoutLosingText() {
    String para = "This is a sentence about tools. ".repeat(200);
    List<Passages.Passage> ps = Passages.split(para, "f");
    assertTrue(ps.size() > 1);
    int words = 0;
    for (Passages.Passage p : ps) {
      words += p.text().split("\\s+").length;
    }
    assertEquals(para.trim().split("\\s+").length, words);
  }

  @Test
  void headingsInsideCodeFences_doNotSplit() {
    List<Passages.Passage> ps = Passages.split("# A\n```\n# not a heading\n```\ntext", "f");
    assertEquals(1, ps.size());
  }

  @Test
  void emptyDocument_hasNoPassages() {
    assertEquals(0, Passages.split("  \n\n", "f").size());
    assertEquals(0, Passages.split("# Only a heading\n", "f").size());
  }
}
