package org.kith.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PersonalNodeTest {
  Path tmp;
  Home home;
  static final char[] PASS = "a good long passphrase".toCharArray();

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory("kith-node");
    home = new Home(tmp.resolve("home"));
  }

  @AfterEach
  void tearDown() {
    TestModel.deleteTree(tmp);
  }

  @Test
  void differentModel_triggersReindex_onceOnly() throws Exception {
    FakeEmbedder a = new FakeEmbedder('a');
    try (PersonalNode n = PersonalNode.init(home, PASS, "A", d -> a, Clock.systemUTC())) {
      n.addNote("apples and pears", List.of());
      n.addNote("bicycles and tyres", List.of());
    }
    FakeEmbedder b = new FakeEmbedder('b');
    try (PersonalNode n = PersonalNode.open(home, PASS, d -> b, Clock.systemUTC())) {
      assertEquals(2, n.ensureIndex());
      assertEquals("bicycles and tyres", n.search("tyres", 1).get(0).note().text());
    }
    FakeEmbedder b2 = new FakeEmbedder('b');
    try (PersonalNode n = PersonalNode.open(home, PASS, d -> b2, Clock.systemUTC())) {
      assertEquals(0, n.ensureIndex());
      assertEquals(0, b2.embedded.get());
    }
  }

  @Test
  void vectorsSurviveReopen_withoutReembedding() throws Exception {
    FakeEmbedder a = new FakeEmbedder('a');
    try (PersonalNode n = PersonalNode.init(home, PASS, "A", d -> a, Clock.systemUTC())) {
      for (int i = 0; i < 20; i++) {
        n.addNote("note number " + i + " about topic" + i, List.of("t" + (i % 3)));
      }
    }
    FakeEmbedder again = new FakeEmbedder('a');
    try (PersonalNode n = PersonalNode.open(home, PASS, d -> again, Clock.systemUTC())) {
      assertEquals(0, n.ensureIndex());
      assertEquals("note number 7 about topic7", n.search("topic7", 1).get(0).note().text());
      assertEquals(1, again.embedded.get(), "only the query is embedded");
      assertEquals(20, n.noteCount());
    }
  }

  @Test
  void badNoteInput_isRefused_andStoresNothing() throws Exception {
    FakeEmbedder a = new FakeEmbedder('a');
    try (PersonalNode n = PersonalNode.init(home, PASS, "A", d -> a, Clock.systemUTC())) {
      assertThrows(KithException.class, () -> n.addNote("   ", List.of()));
      assertThrows(KithException.class, () -> n.addNote("x".repeat(100_001), List.of()));
      assertThrows(KithException.class, () -> n.addNote("ok", List.of("t".repeat(65))));
      assertEquals(0, n.noteCount());
      assertThrows(KithException.class, () -> n.search("", 5));
      assertThrows(KithException.class, () -> n.search("x", 101));
    }
  }

  @Test
  void shortPassphrase_isRefusedAtInit() {
    assertThrows(KithException.class,
        () -> PersonalNode.init(home, "short".toCharArray(), "A", d -> new FakeEmbedder('a'), Clock.systemUTC()));
  }
}
