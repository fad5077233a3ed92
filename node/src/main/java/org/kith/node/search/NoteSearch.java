package org.kith.node.search;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kith.node.base.KithException;
import org.kith.node.model.Hit;
import org.kith.node.model.Model;
import org.kith.node.notes.Note;
import org.kith.node.notes.NoteId;
import org.kith.node.notes.NoteStore;
import org.kith.node.notes.Passages;

/**
 * Searching your own vault: by meaning (the question is embedded by this node's model and matched to the
 * notes' vectors) and by words (BM25 over the notes' passages, in memory), the two added up as {@link Ranking}
 * says. Matches under the calibrated cut-off are dropped; when none is left the answer is "no good answer".
 * Each match carries the passage of the note that answers, with the question's words marked.
 */
public final class NoteSearch {
  /** Candidates taken from each side before they are scored together. */
  static final int MIN_CANDIDATES = 50;
  /** Windows embedded per search to pick a passage by meaning when no word of the question is in a note. */
  static final int MAX_WINDOWS_EMBEDDED = 24;

  /** A note that matched, how well, and the passage to show. */
  public record Match(Note note, float score, float cosine, float lexical, Snippets.Passage passage) {}

  /** The matches that passed the cut-off, best first; {@code noGoodAnswer} when notes exist but none passed. */
  public record Result(List<Match> matches, boolean noGoodAnswer) {}

  private final NoteStore notes;
  private final Model model;
  private LexicalIndex lexical;

  public NoteSearch(NoteStore notes, Model model) {
    this.notes = notes;
    this.model = model;
  }

  /** The best {@code k} notes for {@code query} that pass the cut-off. */
  public Result search(String query, int k) throws KithException {
    return search(query, k, Ranking.HYBRID);
  }

  public Result search(String query, int k, Ranking ranking) throws KithException {
    if (query == null || query.isBlank()) {
      throw KithException.badInput("the search query is empty: say what you are looking for, in plain words");
    }
    if (k < 1 || k > NoteStore.MAX_K) {
      throw KithException.badInput("-k must be between 1 and " + NoteStore.MAX_K + ": " + k);
    }
    return search(query, model.embed(query), k, ranking);
  }

  /** {@link #search} with a vector the caller embedded already (asking embeds the question once). */
  public Result search(String query, float[] vector, int k, Ranking ranking) throws KithException {
    List<Match> all = rank(query, vector, k, ranking);
    List<Match> good = all.stream().filter(m -> ranking.good(m.score())).toList();
    return new Result(withPassages(good, QueryTerms.of(query), vector), good.isEmpty() && !all.isEmpty());
  }

  /** Every candidate scored, best first, cut-off not applied and passages not chosen yet (the evaluation's view). */
  public List<Match> rank(String query, float[] vector, int k, Ranking ranking) throws KithException {
    int n = Math.max(MIN_CANDIDATES, 2 * k);
    Map<String, float[]> scores = new LinkedHashMap<>();
    for (Hit h : notes.nearestHits(vector, n)) {
      scores.put(NoteId.of(h.id()).hex(), new float[] {h.score(), 0});
    }
    QueryTerms terms = QueryTerms.of(query);
    if (ranking.lexicalWeight() > 0 && !terms.terms().isEmpty()) {
      LexicalIndex lex = lexical();
      List<String> missingLex = new ArrayList<>(scores.keySet());
      for (LexicalIndex.Scored s : lex.top(terms, n)) {
        float[] v = scores.get(s.id());
        if (v != null) {
          v[1] = s.score();
          missingLex.remove(s.id());
        } else {
          float cos = notes.similarity(NoteId.parseHex(s.id()), vector);
          if (!Float.isNaN(cos)) {
            scores.put(s.id(), new float[] {cos, s.score()});
          }
        }
      }
      // Vector candidates outside the lexical top n may still hold a word of the question.
      lex.scores(terms, missingLex).forEach((id, sc) -> scores.get(id)[1] = sc);
    }
    List<Map.Entry<String, float[]>> ranked = new ArrayList<>(scores.entrySet());
    ranked.sort((a, b) -> {
      int c = Float.compare(ranking.score(b.getValue()[0], b.getValue()[1]),
          ranking.score(a.getValue()[0], a.getValue()[1]));
      return c != 0 ? c : a.getKey().compareTo(b.getKey());
    });
    List<Match> out = new ArrayList<>();
    for (Map.Entry<String, float[]> e : ranked) {
      if (out.size() == k) {
        break;
      }
      var note = notes.find(NoteId.parseHex(e.getKey()));
      if (note.isPresent()) {
        float cos = e.getValue()[0];
        float lex = e.getValue()[1];
        out.add(new Match(note.get(), ranking.score(cos, lex), cos, lex, null));
      }
    }
    return out;
  }

  /** Each match with the passage of its note that answers. */
  List<Match> withPassages(List<Match> matches, QueryTerms q, float[] vector) throws KithException {
    Map<String, Double> idf = idf(q);
    List<Match> out = new ArrayList<>();
    // Notes where no word of the question occurs: their windows are ranked by meaning, up to a bound.
    List<String> windowTexts = new ArrayList<>();
    Map<Integer, List<Snippets.Window>> semantic = new HashMap<>();
    for (int i = 0; i < matches.size(); i++) {
      Match m = matches.get(i);
      String text = m.note().text();
      List<Snippets.Window> ws = Snippets.windows(text, m.note().title());
      boolean anyWord = ws.stream().anyMatch(w -> Snippets.weight(text.substring(w.start(), w.end()), q, idf) > 0);
      if (!anyWord && ws.size() > 1 && windowTexts.size() + ws.size() <= MAX_WINDOWS_EMBEDDED) {
        semantic.put(i, ws);
        ws.forEach(w -> windowTexts.add(text.substring(w.start(), w.end())));
      }
    }
    List<float[]> windowVectors = windowTexts.isEmpty() ? List.of() : model.embed(windowTexts);
    int next = 0;
    for (int i = 0; i < matches.size(); i++) {
      Match m = matches.get(i);
      Snippets.Passage p;
      List<Snippets.Window> ws = semantic.get(i);
      if (ws != null) {
        Map<Snippets.Window, Float> sim = new HashMap<>();
        for (Snippets.Window w : ws) {
          sim.put(w, dot(windowVectors.get(next++), vector));
        }
        // +1 keeps every cosine above 0, which choose() reads as "no match".
        p = Snippets.render(m.note().text(), Snippets.choose(ws, w -> 1 + sim.get(w)), q, ws.get(0).start());
      } else {
        p = Snippets.best(m.note().text(), m.note().title(), q, idf);
      }
      out.add(new Match(m.note(), m.score(), m.cosine(), m.lexical(), p));
    }
    return out;
  }

  /** IDF of each question word in this vault's passages. */
  Map<String, Double> idf(QueryTerms q) throws KithException {
    Map<String, Double> out = new HashMap<>();
    if (q.terms().isEmpty()) {
      return out;
    }
    LexicalIndex lex = lexical();
    for (String t : q.terms()) {
      long[] f = lex.frequency(t);
      out.put(t, LexicalIndex.idf(f[0], Math.max(1, f[1])));
    }
    return out;
  }

  /** Built on first use from every note, then kept up to date by the store as notes come and go. */
  private synchronized LexicalIndex lexical() throws KithException {
    if (lexical == null) {
      LexicalIndex idx = new LexicalIndex();
      notes.subscribe(new NoteStore.Listener() {
        @Override
        public void added(List<Note> added) {
          Map<String, List<String>> m = new LinkedHashMap<>();
          for (Note n : added) {
            m.put(n.id().hex(), passagesOf(n));
          }
          idx.put(m);
        }

        @Override
        public void removed(List<NoteId> ids) {
          idx.remove(ids.stream().map(NoteId::hex).toList());
        }
      });
      lexical = idx;
    }
    return lexical;
  }

  /** A note's title and text, in passages of the length the importer makes (typed notes can be longer). */
  static List<String> passagesOf(Note n) {
    List<String> ps = new ArrayList<>();
    for (String chunk : Passages.chunk(n.text())) {
      ps.add(chunk.startsWith(n.title()) ? chunk : n.title() + "\n" + chunk);
    }
    return ps;
  }

  private static float dot(float[] a, float[] b) {
    double s = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length && i < b.length; i++) {
      s += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return na == 0 || nb == 0 ? 0 : (float) (s / Math.sqrt(na * nb));
  }
}
