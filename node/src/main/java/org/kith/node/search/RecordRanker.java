package org.kith.node.search;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kith.node.base.KithException;
import org.kith.node.model.Model;
import org.kith.node.records.Held;
import org.kith.node.records.RecordStore;
import org.kith.node.records.RecordText;
import org.kith.protocol.proto.ProfileContent;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.record.RecordId;

/**
 * Ranks records for a query vector with this node's own model: text records by cosine similarity, profiles
 * by their best-matching topic centroid. A peer never supplies a vector we rank by.
 */
public final class RecordRanker {
  /** Vectors of records seen in answers, kept so asking twice does not embed the same record twice. */
  public static final int MAX_CACHED_VECTORS = 10_000;

  /** A scored record: the score {@link Ranking} makes of its cosine and its lexical score. */
  public record Scored(Held held, float score, float cosine, float lexical) {
    public Scored(Held held, float score) {
      this(held, score, score, 0);
    }
  }

  private final Model model;
  private final RecordStore store;
  private final Clock clock;
  private final Map<RecordId, float[]> vectorCache = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<RecordId, float[]> eldest) {
      return size() > MAX_CACHED_VECTORS;
    }
  };

  public RecordRanker(Model model, RecordStore store, Clock clock) {
    this.model = model;
    this.store = store;
    this.clock = clock;
  }

  /** The best {@code k} of {@code candidates} by meaning only; expired and retracted ones are dropped. */
  public List<Scored> rank(List<Held> candidates, float[] query, int k) throws KithException {
    return rank(candidates, null, query, k, Ranking.VECTOR_ONLY);
  }

  /**
   * The best {@code k} of {@code candidates} for the question {@code text} (embedded as {@code query}), by
   * meaning and words as {@code ranking} says; expired and retracted ones are dropped, the cut-off is not
   * applied. The words are scored by BM25 over these candidates alone, in an index that lives for this call.
   */
  public List<Scored> rank(List<Held> candidates, String text, float[] query, int k, Ranking ranking)
      throws KithException {
    ensureVectors(candidates);
    Map<String, Float> lex = Map.of();
    QueryTerms terms = text == null ? new QueryTerms(java.util.Set.of()) : QueryTerms.of(text);
    if (ranking.lexicalWeight() > 0 && !terms.terms().isEmpty() && !candidates.isEmpty()) {
      try (LexicalIndex idx = new LexicalIndex()) {
        Map<String, List<String>> docs = new LinkedHashMap<>();
        for (Held h : candidates) {
          docs.put(h.record.id().hex(), List.of(RecordText.text(h.record)));
        }
        idx.put(docs);
        lex = idx.scores(terms, docs.keySet());
      }
    }
    long now = clock.millis();
    List<Scored> out = new ArrayList<>();
    for (Held h : candidates) {
      if (h.record.isExpired(now) || store.isRetracted(h.record)) {
        continue;
      }
      float s;
      if (h.record.kind() == RecordKind.PROFILE) {
        if (h.centroids().isEmpty()) {
          continue;
        }
        s = Float.NEGATIVE_INFINITY;
        for (float[] c : h.centroids()) {
          s = Math.max(s, dot(c, query));
        }
      } else if (h.vector() != null) {
        s = dot(h.vector(), query);
      } else {
        continue;
      }
      float l = lex.getOrDefault(h.record.id().hex(), 0f);
      out.add(new Scored(h, ranking.score(s, l), s, l));
    }
    out.sort(Comparator.comparingDouble((Scored s) -> -s.score()));
    return out.size() > k ? List.copyOf(out.subList(0, k)) : out;
  }

  /** Embeds (once) the text of every candidate that has none yet. */
  public void ensureVectors(List<Held> candidates) throws KithException {
    List<Held> todo = new ArrayList<>();
    synchronized (vectorCache) {
      for (Held h : candidates) {
        if (h.record.kind() == RecordKind.PROFILE) {
          if (h.centroids() == null) {
            List<float[]> cs = new ArrayList<>();
            for (ProfileContent.Topic t : h.record.content(ProfileContent.class).getTopicsList()) {
              float[] c = new float[t.getCentroidCount()];
              for (int i = 0; i < c.length; i++) {
                c[i] = t.getCentroid(i);
              }
              cs.add(c);
            }
            h.centroids(cs);
          }
        } else if (h.vector() == null && h.record.kind() != RecordKind.RETRACT) {
          float[] cached = vectorCache.get(h.record.id());
          if (cached != null) {
            h.vector(cached);
          } else {
            todo.add(h);
          }
        }
      }
    }
    if (todo.isEmpty()) {
      return;
    }
    List<float[]> vs = model.embed(todo.stream().map(h -> RecordText.text(h.record)).toList());
    synchronized (vectorCache) {
      for (int i = 0; i < todo.size(); i++) {
        todo.get(i).vector(vs.get(i));
        vectorCache.put(todo.get(i).record.id(), vs.get(i));
      }
    }
  }

  static float dot(float[] a, float[] b) {
    if (a.length != b.length) {
      return Float.NEGATIVE_INFINITY;
    }
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
