package org.kith.node.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kith.node.base.KithException;

/** Notes out as Markdown, and back in through the importer's splitter unchanged. */
class MarkdownExportTest {
  @TempDir Path tmp;

  static Note note(String hex, String title, String text, List<String> tags, String source) {
    return new Note(NoteId.parseHex(hex), title, text, tags, 1_796_000_000_000L, source);
  }

  @Test
  void slug_isLowerCaseAsciiWithSingleHyphens_andBounded() {
    assertEquals("the-repair-cafe-is-on-the-1st-saturday", MarkdownExport.slug("The Repair Café is on the 1st Saturday!"));
    assertEquals("", MarkdownExport.slug("日本語 ✓"));
    assertEquals("a-b", MarkdownExport.slug("  --a//b--  "));
    String s = MarkdownExport.slug("word ".repeat(40));
    assertTrue(s.length() <= MarkdownExport.MAX_SLUG_CHARS && !s.endsWith("-"), s);
  }

  @Test
  void render_thenSplit_givesBackTitleTextAndTags() {
    Note n = note("0123456789abcdef0123456789abcdef", "Ladders: \"long\" ones\n---", "First line\n\n---\nmore text",
        List.of("tools", "shed, back"), "notes/tools.md#2");
    String md = MarkdownExport.render(n);
    assertTrue(md.startsWith("---\ntitle: \"Ladders: \\\"long\\\" ones\\n---\"\n"), md);
    assertTrue(md.contains("kith-note: \"0123456789abcdef0123456789abcdef\"\n"), md);
    assertTrue(md.contains("source: \"notes/tools.md#2\"\n"), md);
    Note plain = note("0123456789abcdef0123456789abcdee", null, "Borrow the ladder", List.of("tools"), null);
    List<Passages.Passage> ps = Passages.split(MarkdownExport.render(plain), "0123abcd-file-name");
    assertEquals(1, ps.size());
    assertEquals("Borrow the ladder", ps.get(0).title());
    assertEquals("Borrow the ladder", ps.get(0).text());
    assertEquals(List.of("tools"), ps.get(0).tags());
  }

  @Test
  void frontMatterTitle_thatIsBroken_isIgnored() {
    List<Passages.Passage> ps = Passages.split("---\ntitle: \"\\ud800\"\n---\ntext", "file");
    assertEquals("file", ps.get(0).title());
    ps = Passages.split("---\ntitle: 'it''s mine'\n---\ntext", "file");
    assertEquals("it's mine", ps.get(0).title());
  }

  @Test
  void write_makesAnOwnerOnlyFolderAndFiles_neverOverwrites() throws Exception {
    Path dir = tmp.resolve("out");
    MarkdownExport e = MarkdownExport.into(dir);
    Note a = note("aaaaaaaa000000000000000000000001", null, "Same start", List.of(), null);
    Note b = note("aaaaaaaa000000000000000000000002", null, "Same start", List.of(), null);
    Path fa = e.write(a);
    Path fb = e.write(b);
    assertEquals("aaaaaaaa-same-start.md", fa.getFileName().toString());
    assertEquals("aaaaaaaa000000000000000000000002-same-start.md", fb.getFileName().toString());
    assertNull(e.write(b), "written already");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fa)));
    assertNotEquals(Files.readString(fa), "");
    assertThrows(KithException.class, () -> MarkdownExport.into(dir), "not empty");
  }
}
