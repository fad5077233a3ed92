package org.kith.node.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.TestModel;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.model.Embedder;
import org.kith.node.model.ModelId;
import org.kith.node.notes.Note;
import org.kith.storage.KdfProfile;

/** Fusion of meaning and words, the cut-off, and the word index following the notes (issue 12). */
class NoteSearchTest {
  static final char[] PASS = "a good long passphrase".toCharArray();
  Path tmp;
  KithNode node;

  /**
   * A model that only knows topics: a text's vector is one-hot on the first topic word it holds, else on a
   * dimension of its own. So every plumbing note is equally near a plumbing question, and which of them
   * comes first is up to the words; a question about bread is orthogonal to them all.
   */
  static final class TopicEmbedder implements Embedder {
    static final List<String> TOPICS = List.of("plumb", "garden", "bike");

    @Override
    public int dimensions() {
      return 8;
    }

    @Override
    public ModelId modelId() {
      return new ModelId("topics", "7".repeat(64));
    }

    @Override
    public float[] embed(String text) {
      float[] v = new float[8];
      String t = text.toLowerCase(Locale.ROOT);
      int dim = TOPICS.size();
      for (int i = 0; i < TOPICS.size(); i++) {
        if (t.contains(TOPICS.get(i))) {
          dim = i;
          break;
        }
      }
      v[dim] = 1;
      return v;
    }

    @Override
    public List<float[]> embedBatch(List<String> texts) {
      List<float[]> out = new ArrayList<>();
      texts.forEach(x -> out.add(embed(x)));
      return out;
    }

    @Override
    public void close() {}
  }

  @BeforeEach
  void setUp() throws Exception {
    tmp = Files.createTempDirectory("kith-search");
    Home home = new Home(tmp.resolve("home"));
    KithNode.Options o = KithNode.Options.of(d -> new TopicEmbedder()).withKdf(KdfProfile.TESTING_ONLY_INSECURE);
    KithNode.init(home, PASS, "A", o).close();
    node = KithNode.open(home, PASS, o);
  }

  @AfterEach
  void tearDown() {
    node.close();
    TestModel.deleteTree(tmp);
  }

  @Test
  void hybrid_aNameOrHouseNumber_decides_whenMeaningTies() throws Exception {
    node.notes().add("Joe at no. 5 is a plumber, reasonable prices.", List.of());
    Note ahmed = node.notes().add("Ahmed Rahimi at no. 22 is a plumber, fixed our leaking tap.", List.of());
    node.notes().add("Plumbing tips: turn the stopcock off before you start.", List.of());
    for (String q : List.of("plumber Rahimi", "plumber at number 22", "plumbing: the leaking tap")) {
      NoteSearch.Result r = node.search().search(q, 3);
      NoteSearch.Match first = r.matches().get(0);
      assertEquals(ahmed.id(), first.note().id(), q);
      assertEquals(1f, first.cosine(), 1e-5);
      assertTrue(first.lexical() > 0, q);
      assertEquals(Ranking.HYBRID.score(first.cosine(), first.lexical()), first.score(), 1e-6);
      for (NoteSearch.Match m : r.matches().subList(1, r.matches().size())) {
        assertTrue(m.score() < first.score(), q + ": " + m);
      }
    }
    // Meaning only: all three tie, so the name cannot help.
    List<NoteSearch.Match> vector = node.search().rank("plumber Rahimi", node.model().embed("plumber Rahimi"), 3,
        Ranking.VECTOR_ONLY);
    assertEquals(3, vector.stream().filter(m -> m.score() == 1f).count());
  }

  @Test
  void cutoff_nothingNear_isNoGoodAnswer_notTheLeastBadNote() throws Exception {
    assertFalse(node.search().search("sourdough starter", 5).noGoodAnswer(), "an empty vault is not 'no answer'");
    node.notes().add("Compost bins behind the garden hall: greens and browns in equal parts.", List.of());
    node.notes().add("Bike repairs at no. 9, evenings.", List.of());
    NoteSearch.Result r = node.search().search("sourdough starter", 5);
    assertTrue(r.matches().isEmpty(), r.toString());
    assertTrue(r.noGoodAnswer());
    NoteSearch.Result good = node.search().search("garden compost", 5);
    assertFalse(good.noGoodAnswer());
    assertEquals(1, good.matches().size(), "the bike note is no answer to a garden question: " + good);
  }

  @Test
  void wordIndex_followsNotesAddedAndRemoved_afterTheFirstSearch() throws Exception {
    Note first = node.notes().add("Plumber Joe, no. 5.", List.of());
    assertEquals(first.id(), node.search().search("plumber Joe", 1).matches().get(0).note().id());
    Note later = node.notes().add("Plumber Zbigniew, no. 40.", List.of());
    NoteSearch.Match m = node.search().search("plumber Zbigniew", 1).matches().get(0);
    assertEquals(later.id(), m.note().id());
    assertTrue(m.lexical() > 0);
    node.notes().remove(later.id().hex());
    for (NoteSearch.Match x : node.search().search("plumber Zbigniew", 5).matches()) {
      assertFalse(x.note().id().equals(later.id()), "a removed note was found");
    }
  }

  @Test
  void passage_isTheMatchingSentence_withHighlights() throws Exception {
    node.notes().add(SnippetsTest.TRADES.replace("plumber", "plumber"), List.of());
    NoteSearch.Match m = node.search().search("plumbing: who can fix a leaking tap?", 1).matches().get(0);
    assertEquals("Trades on our street", m.note().title());
    assertTrue(m.passage().text().contains("Ahmed Rahimi (no. 22): plumber, fixed our leaking tap"),
        m.passage().text());
    assertEquals(List.of("fixed", "leaking", "tap"), SnippetsTest.marked(m.passage()));
  }
}
