package org.kith.node.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.kith.node.MiniCluster;
import org.kith.node.MiniCluster.Member;
import org.kith.node.api.NoteRoutes;
import org.kith.node.notes.Importer;
import org.kith.node.notes.Note;
import org.kith.protocol.proto.NoteContent;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;

/** A shared note whose file was edited and imported again: its share is signed again, and peers see the new text. */
class ShareRefreshTest {
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();
  @TempDir
  Path tmp;
  Member alice;
  Member bob;

  @BeforeEach
  void setUp() throws Exception {
    alice = cluster.add("Alice");
    bob = cluster.add("Bob");
    cluster.pair(alice, bob, "neighbours");
    MiniCluster.await("connection", () -> alice.connectedTo(bob) && bob.connectedTo(alice)
        && bob.node.peers().connectedPeers().contains(alice.id()));
  }

  List<String> textsBobHolds() {
    return bob.node.records().peerRecords(h -> h.record.kind() == RecordKind.NOTE).stream()
        .map(h -> h.record.content(NoteContent.class).getText()).toList();
  }

  JsonObject importAgain(Path f) throws Exception {
    return NoteRoutes.imported(alice.node, alice.node.notes().importPaths(List.of(f), Importer.Progress.NONE));
  }

  @Test
  void editedSharedNote_isSignedAgain_andThePeerSeesTheNewTextNotTheOld() throws Exception {
    Path f = tmp.resolve("compost.md");
    Files.writeString(f, "Greens and browns half and half.");
    importAgain(f);
    Note note = alice.node.notes().list().get(0);
    Held old = alice.node.sharing().shareNote(note, "neighbours", 2, Duration.ofDays(10));
    bob.node.sync().syncNow().get(30, TimeUnit.SECONDS);
    assertEquals(List.of("Greens and browns half and half."), textsBobHolds());

    alice.clock.advance(Duration.ofDays(1));
    bob.clock.advance(Duration.ofDays(1));
    Files.writeString(f, "Greens and browns one to three, turned weekly.");
    JsonObject r = importAgain(f);
    assertEquals(1, r.get("sharesResigned").getAsInt(), r.toString());
    assertTrue(r.get("summary").getAsString().contains("1 share signed again"), r.toString());

    List<Held> mine = alice.node.records().own(false);
    assertEquals(1, mine.size());
    Record fresh = mine.get(0).record.record();
    Record was = old.record.record();
    assertEquals(was.getAudience(), fresh.getAudience());
    assertEquals(was.getReach(), fresh.getReach());
    assertEquals(was.getExpiresAtMs(), fresh.getExpiresAtMs(), "the share keeps what was left of its lifetime");
    assertEquals(note.id().hex(), alice.node.records().sourceNote(mine.get(0).record.id()).orElseThrow());
    assertEquals("Greens and browns one to three, turned weekly.",
        mine.get(0).record.content(NoteContent.class).getText());

    bob.node.sync().syncNow().get(30, TimeUnit.SECONDS);
    MiniCluster.await("the new text at Bob", () -> textsBobHolds().equals(
        List.of("Greens and browns one to three, turned weekly.")));

    // Importing the same file again changes nothing, and signs nothing.
    int own = alice.node.records().own(true).size();
    JsonObject same = importAgain(f);
    assertEquals(0, same.get("sharesResigned").getAsInt());
    assertEquals(own, alice.node.records().own(true).size());
  }

  @Test
  void editedNoteNowTaggedPrivate_hasItsShareWithdrawn() throws Exception {
    Path f = tmp.resolve("plans.md");
    Files.writeString(f, "Meet at the allotment on Sunday.");
    importAgain(f);
    Note note = alice.node.notes().list().get(0);
    alice.node.sharing().shareNote(note, "neighbours", 1, Duration.ofDays(10));
    Files.writeString(f, "Meet at the allotment on Sunday. #private");
    JsonObject r = importAgain(f);
    assertEquals(1, r.get("sharesWithdrawn").getAsInt(), r.toString());
    assertTrue(alice.node.records().own(false).isEmpty());
    bob.node.sync().syncNow().get(30, TimeUnit.SECONDS);
    assertTrue(textsBobHolds().isEmpty(), textsBobHolds().toString());
  }
}
