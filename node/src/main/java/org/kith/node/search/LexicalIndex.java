package org.kith.node.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * BM25 over passages, in memory only: a Lucene index on a {@link ByteBuffersDirectory}, never on disk, since
 * the text it holds is what the vault keeps encrypted. A document is one passage of an item (a long note is
 * indexed as several); an item's lexical score is its best passage's.
 *
 * <p>Scores are normalised to [0, 1): BM25 divided by the sum of the query terms' IDF (Lucene 9's BM25 gives a
 * term at most its IDF), so the figure says how much of the question's informative weight an item matches, on
 * the same scale from one question to the next. That is what lets {@link Ranking} add it to a cosine and cut
 * at one calibrated threshold.
 */
public final class LexicalIndex implements AutoCloseable {
  private static final String ID = "id";
  private static final String TEXT = "text";
  /** Lucene's default limit on the clauses of one query; questions are limited far below it anyway. */
  static final int MAX_QUERY_TERMS = 64;

  /** An item with its normalised lexical score. */
  public record Scored(String id, float score) {}

  private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
  private final IndexWriter writer;
  private final SearcherManager searchers;

  public LexicalIndex() {
    try {
      IndexWriterConfig cfg = new IndexWriterConfig(QueryTerms.ANALYZER);
      cfg.setCommitOnClose(false);
      writer = new IndexWriter(dir, cfg);
      searchers = new SearcherManager(writer, null);
    } catch (IOException e) {
      throw new UncheckedIOException("an in-memory index failed to open", e);
    }
  }

  /** Adds or replaces items, each as its passages. */
  public synchronized void put(Map<String, List<String>> passagesById) {
    try {
      for (Map.Entry<String, List<String>> e : passagesById.entrySet()) {
        List<Document> docs = new ArrayList<>();
        for (String p : e.getValue()) {
          Document d = new Document();
          d.add(new StringField(ID, e.getKey(), Field.Store.YES));
          d.add(new TextField(TEXT, p, Field.Store.NO));
          docs.add(d);
        }
        writer.updateDocuments(new Term(ID, e.getKey()), docs);
      }
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new UncheckedIOException("an in-memory index failed", e);
    }
  }

  synchronized void remove(Collection<String> ids) {
    try {
      for (String id : ids) {
        writer.deleteDocuments(new Term(ID, id));
      }
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new UncheckedIOException("an in-memory index failed", e);
    }
  }

  /** The {@code n} best items for {@code q}, best first; nothing when no term of it occurs. */
  public List<Scored> top(QueryTerms q, int n) {
    return run(q, n, null);
  }

  /** The scores of just these items (those that match nothing are left out). */
  public Map<String, Float> scores(QueryTerms q, Collection<String> ids) {
    Map<String, Float> out = new HashMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    List<BytesRef> refs = ids.stream().map(BytesRef::new).toList();
    for (Scored s : run(q, ids.size(), new TermInSetQuery(ID, refs))) {
      out.put(s.id(), s.score());
    }
    return out;
  }

  /** How many passages hold {@code term}, and how many passages there are: for IDF weights. */
  long[] frequency(String term) {
    try {
      IndexSearcher s = searchers.acquire();
      try {
        return new long[] {s.getIndexReader().docFreq(new Term(TEXT, term)), s.getIndexReader().numDocs()};
      } finally {
        searchers.release(s);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("an in-memory index failed", e);
    }
  }

  private List<Scored> run(QueryTerms q, int n, Query filter) {
    if (q.terms().isEmpty() || n <= 0) {
      return List.of();
    }
    try {
      IndexSearcher s = searchers.acquire();
      try {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        double idfSum = 0;
        long docs = Math.max(1, s.getIndexReader().numDocs());
        for (String t : q.terms()) {
          b.add(new TermQuery(new Term(TEXT, t)), BooleanClause.Occur.SHOULD);
          idfSum += idf(s.getIndexReader().docFreq(new Term(TEXT, t)), docs);
        }
        if (filter != null) {
          b.add(filter, BooleanClause.Occur.FILTER);
        }
        // Passages, not items: ask for more so that an item's several passages do not crowd others out.
        ScoreDoc[] hits = s.search(b.build(), Math.max(n, Math.min(4 * n, n + 64))).scoreDocs;
        Map<String, Float> best = new LinkedHashMap<>();
        StoredFields stored = s.storedFields();
        for (ScoreDoc h : hits) {
          String id = stored.document(h.doc).get(ID);
          best.merge(id, (float) (h.score / idfSum), Math::max);
        }
        List<Scored> out = new ArrayList<>();
        best.forEach((id, sc) -> out.add(new Scored(id, Math.min(1f, sc))));
        out.sort((x, y) -> Float.compare(y.score(), x.score()));
        return out.size() > n ? List.copyOf(out.subList(0, n)) : out;
      } finally {
        searchers.release(s);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("an in-memory index failed", e);
    }
  }

  /** Drops the index; its memory goes with it. */
  @Override
  public synchronized void close() {
    try {
      searchers.close();
      writer.rollback();
    } catch (IOException e) {
      throw new UncheckedIOException("an in-memory index failed to close", e);
    }
  }

  /** Lucene's BM25 IDF: a term in no passage gets the highest weight, and so counts fully against a match. */
  static double idf(long docFreq, long docCount) {
    return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
  }
}
