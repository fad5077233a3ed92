package org.kith.node.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.MiniCluster;
import org.kith.node.MiniCluster.Member;
import org.kith.node.base.KithException;

/** Importing files: ids stable by source path, sources with their folder, titles, and what is skipped. */
class ImporterTest {
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();
  @TempDir
  Path tmp;
  Member alice;
  NoteStore notes;

  @BeforeEach
  void setUp() throws Exception {
    alice = cluster.add("Alice");
    notes = alice.node.notes();
  }

  NoteStore.ImportResult importAll(Path... paths) throws KithException {
    return notes.importPaths(List.of(paths), Importer.Progress.NONE);
  }

  Note bySource(String source) throws KithException {
    return notes.list().stream().filter(n -> source.equals(n.source())).findFirst()
        .orElseThrow(() -> new AssertionError("no note from " + source));
  }

  @Test
  void reimport_ofAnEditedFile_updatesItsNotesInPlace_andLeavesTheRestAlone() throws Exception {
    Path root = tmp.resolve("notes");
    Files.createDirectories(root.resolve("garden"));
    Path compost = root.resolve("garden/compost.md");
    Files.writeString(compost, "# Greens\nGrass clippings and peelings.\n\n# Browns\nDry leaves and cardboard.\n");
    NoteStore.ImportResult first = importAll(root);
    assertEquals(1, first.imported());
    assertEquals(2, first.notesAdded());
    Note greens = bySource("garden/compost.md#1");
    Note browns = bySource("garden/compost.md#2");

    alice.clock.advance(Duration.ofMinutes(5));
    Files.writeString(compost, "# Greens\nCoffee grounds count as greens too.\n\n# Browns\nDry leaves and cardboard.\n");
    NoteStore.ImportResult second = importAll(root);
    assertEquals(0, second.imported());
    assertEquals(1, second.updated());
    assertEquals(0, second.unchanged());
    assertEquals(0, second.notesAdded());
    assertEquals(1, second.notesUpdated());
    assertEquals(0, second.notesRemoved());
    assertEquals(List.of(greens.id()), second.updatedNotes());

    Note greensNow = notes.show(greens.id().hex());
    assertTrue(greensNow.text().contains("Coffee grounds"), greensNow.text());
    assertEquals(greens.createdAtMillis(), greensNow.createdAtMillis());
    assertEquals(alice.clock.millis(), greensNow.updatedAtMillis());
    assertEquals(browns, notes.show(browns.id().hex()), "the unchanged section was rewritten");
    assertEquals(2, notes.count());
    // The new text has a new vector: a search for it finds the same note.
    assertEquals(greens.id(), NoteId.of(notes.nearestHits(alice.node.model().embed(List.of(greensNow.text())).get(0), 1)
        .get(0).id()));

    NoteStore.ImportResult third = importAll(root);
    assertEquals(1, third.unchanged());
    assertEquals(0, third.notesUpdated());
    assertEquals(greensNow, notes.show(greens.id().hex()), "an unchanged file was rewritten");
  }

  @Test
  void reimport_withASectionAddedAndOneRemoved_addsAndRemovesOnlyThose() throws Exception {
    Path f = tmp.resolve("beds.md");
    Files.writeString(f, "# Tomatoes\nPinch out side shoots.\n\n# Beans\nSow after the frost.\n");
    importAll(f);
    Note beans = bySource("beds.md#2");
    Files.writeString(f, "# Beans\nSow after the last frost.\n\n# Peas\nThey need sticks.\n");
    NoteStore.ImportResult r = importAll(f);
    assertEquals(List.of(beans.id()), r.updatedNotes(), "the section kept by its heading keeps its id");
    assertEquals(1, r.notesAdded());
    assertEquals(1, r.notesRemoved());
    assertEquals("beds.md#1", notes.show(beans.id().hex()).source());
    assertEquals(2, notes.count());
  }

  @Test
  void sources_keepTheirFolder_andATextFileIsTitledByItsFirstLine() throws Exception {
    Path root = tmp.resolve("vault");
    Files.createDirectories(root.resolve("garden/beds"));
    Files.writeString(root.resolve("garden/beds/tomatoes.md"), "Pinch out side shoots weekly.");
    Files.writeString(root.resolve("todo.txt"), "\n\n  Buy seeds  \nand twine\n");
    importAll(root);
    Note tomatoes = bySource("garden/beds/tomatoes.md#1");
    assertEquals("tomatoes", tomatoes.title());
    assertEquals("Buy seeds", bySource("todo.txt#1").title());
    // A file given alone is its own name.
    Path lone = tmp.resolve("lone.md");
    Files.writeString(lone, "Alone");
    importAll(lone);
    bySource("lone.md#1");
  }

  @Test
  void skippedFiles_areCounted_byReason() throws Exception {
    Path root = tmp.resolve("mixed");
    Files.createDirectories(root.resolve(".git"));
    Files.writeString(root.resolve(".git/HEAD.md"), "ref");
    Files.writeString(root.resolve("ok.md"), "fine");
    Files.writeString(root.resolve(".hidden.md"), "secret");
    Files.write(root.resolve("latin1.md"), new byte[] {'c', 'a', 'f', (byte) 0xe9});
    Files.write(root.resolve("nul.txt"), new byte[] {'a', 0, 'b'});
    Files.write(root.resolve("photo.png"), new byte[] {1, 2, 3});
    Files.writeString(root.resolve("blank.md"), "\n   \n");
    Files.write(root.resolve("huge.md"), new byte[(int) Importer.MAX_FILE_BYTES + 1]);

    NoteStore.ImportResult r = importAll(root);
    assertEquals(1, r.imported());
    Skipped s = r.skipped();
    assertEquals(7, s.total(), s.listed().toString());
    assertEquals(Map.of("not text", 2, "hidden", 2, "unsupported type", 1, "empty", 1, "too large", 1), s.byReason());
    assertTrue(s.summary().startsWith("2 "), s.summary());
    assertTrue(s.listed().contains("latin1.md: not UTF-8 text"), s.listed().toString());
    assertTrue(s.listed().contains(".git/: hidden folder"), s.listed().toString());
  }

  @Test
  void badInput_isRefused_andImportsNothing() throws Exception {
    Path ok = tmp.resolve("ok.md");
    Files.writeString(ok, "fine");
    KithException missing = assertThrows(KithException.class, () -> importAll(ok, tmp.resolve("nope.md")));
    assertTrue(missing.getMessage().contains("nothing was imported"), missing.getMessage());
    Path png = tmp.resolve("photo.png");
    Files.write(png, new byte[] {1});
    KithException type = assertThrows(KithException.class, () -> importAll(ok, png));
    assertTrue(type.getMessage().contains(".md"), type.getMessage());
    assertEquals(0, notes.count());
  }

  @Test
  void uploads_keepIdsByName_andTitleTextFilesByFirstLine() throws Exception {
    NoteStore.ImportResult r = notes.importUploads(List.of(new Importer.Upload("todo.txt", "Buy seeds\nsoon"),
        new Importer.Upload(".secret.md", "x")));
    assertEquals(1, r.imported());
    assertEquals(Map.of("hidden", 1), r.skipped().byReason());
    Note todo = bySource("todo.txt#1");
    assertEquals("Buy seeds", todo.title());
    NoteStore.ImportResult again = notes.importUploads(List.of(new Importer.Upload("todo.txt", "Buy seeds\ntoday")));
    assertEquals(List.of(todo.id()), again.updatedNotes());
    assertTrue(notes.show(todo.id().hex()).text().contains("today"));
  }
}
