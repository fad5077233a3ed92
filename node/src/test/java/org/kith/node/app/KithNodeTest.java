package org.kith.node.app;

import org.kith.node.base.KithException;
import org.kith.node.base.Home;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.TestModel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.storage.KdfProfile;

class KithNodeTest {
  Path tmp;
  Home home;
  static final char[] PASS = "a good long passphrase".toCharArray();

  /** Test vaults are made with the cheap KDF; VaultCliTest checks that `kith init` uses the real one. */
  static KithNode.Options options(FakeEmbedder e) {
    return KithNode.Options.of(d -> e).withKdf(KdfProfile.TESTING_ONLY_INSECURE);
  }

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
    FakeEmbedder a = FakeEmbedder.flavour('a');
    try (KithNode n = KithNode.init(home, PASS, "A", options(a))) {
      n.notes().add("apples and pears", List.of());
      n.notes().add("bicycles and tyres", List.of());
    }
    FakeEmbedder b = FakeEmbedder.flavour('b');
    try (KithNode n = KithNode.open(home, PASS, options(b))) {
      assertEquals(2, n.notes().ensureIndex());
      assertEquals("bicycles and tyres", n.search().search("tyres", 1).matches().get(0).note().text());
    }
    FakeEmbedder b2 = FakeEmbedder.flavour('b');
    try (KithNode n = KithNode.open(home, PASS, options(b2))) {
      assertEquals(0, n.notes().ensureIndex());
      assertEquals(0, b2.embedded.get());
    }
  }

  @Test
  void vectorsSurviveReopen_withoutReembedding() throws Exception {
    FakeEmbedder a = FakeEmbedder.flavour('a');
    try (KithNode n = KithNode.init(home, PASS, "A", options(a))) {
      for (int i = 0; i < 20; i++) {
        n.notes().add("note number " + i + " about topic" + i, List.of("t" + (i % 3)));
      }
    }
    FakeEmbedder again = FakeEmbedder.flavour('a');
    try (KithNode n = KithNode.open(home, PASS, options(again))) {
      assertEquals(0, n.notes().ensureIndex());
      assertEquals("note number 7 about topic7", n.search().search("topic7", 1).matches().get(0).note().text());
      assertEquals(1, again.embedded.get(), "only the query is embedded");
      assertEquals(20, n.notes().count());
    }
  }

  @Test
  void badNoteInput_isRefused_andStoresNothing() throws Exception {
    FakeEmbedder a = FakeEmbedder.flavour('a');
    try (KithNode n = KithNode.init(home, PASS, "A", options(a))) {
      assertThrows(KithException.class, () -> n.notes().add("   ", List.of()));
      assertThrows(KithException.class, () -> n.notes().add("x".repeat(100_001), List.of()));
      assertThrows(KithException.class, () -> n.notes().add("ok", List.of("t".repeat(65))));
      assertEquals(0, n.notes().count());
      assertThrows(KithException.class, () -> n.search().search("", 5));
      assertThrows(KithException.class, () -> n.search().search("x", 101));
    }
  }

  @Test
  void shortPassphrase_isRefusedAtInit() {
    assertThrows(KithException.class,
        () -> KithNode.init(home, "short".toCharArray(), "A", options(FakeEmbedder.flavour('a'))));
  }
}
