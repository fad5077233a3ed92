package org.kith.bench.model;

import java.nio.ByteBuffer;
import java.util.Random;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.node.model.VectorIndex;
import org.kith.node.search.LexicalIndex;
import org.kith.node.search.QueryTerms;

/** Exact top-10 over 100k random unit 384-d vectors: the latency of one local search. */
public final class SearchBenchmark implements Benchmark {
  private static final int N = 100_000;
  private static final int DIM = 384;
  private static final int K = 10;

  @Override
  public String name() {
    return "search";
  }

  @Override
  public void run(boolean quick, Report report) {
    Random rnd = new Random(7);
    VectorIndex index = new VectorIndex(DIM);
    for (int i = 0; i < N; i++) {
      index.put(ByteBuffer.allocate(16).putLong(rnd.nextLong()).putInt(i).array(), gaussian(rnd));
    }
    int warmup = quick ? 60 : 300;
    int measured = quick ? 200 : 2000;
    for (int i = 0; i < warmup; i++) {
      index.topK(gaussian(rnd), K);
    }
    float[][] queries = new float[measured][];
    for (int i = 0; i < measured; i++) {
      queries[i] = gaussian(rnd);
    }
    double[] ms = new double[measured];
    for (int i = 0; i < measured; i++) {
      long t0 = System.nanoTime();
      index.topK(queries[i], K);
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    report.figure("search_100k_p50_ms", Report.median(ms), "ms");
    report.figure("search_100k_p99_ms", Report.percentile(ms, 99), "ms");
    hybrid(index, rnd, quick, report);
    System.err.println(
        "# load average " + EmbedBenchmark.loadAverage() + " on " + EmbedBenchmark.cores() + " cores");
  }

  /**
   * What BM25 adds to one search (issue 12): the same 100k items, each with a passage of 40 words drawn from a
   * Zipf-like 20k-word vocabulary, in the in-memory Lucene index the node keeps; a search is the vector top 50,
   * the BM25 top 50, and the BM25 scores of the vector candidates outside it, as {@code NoteSearch} does.
   */
  private static void hybrid(VectorIndex index, Random rnd, boolean quick, Report report) {
    String[] vocab = new String[20_000];
    for (int i = 0; i < vocab.length; i++) {
      vocab[i] = word(i);
    }
    LexicalIndex lex = new LexicalIndex();
    java.util.Map<String, java.util.List<String>> batch = new java.util.LinkedHashMap<>();
    java.util.List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < N; i++) {
      String id = Integer.toHexString(i);
      ids.add(id);
      batch.put(id, java.util.List.of(sentence(vocab, rnd, 40, 0)));
      if (batch.size() == 5000) {
        lex.put(batch);
        batch.clear();
      }
    }
    lex.put(batch);
    int warmup = quick ? 30 : 200;
    int measured = quick ? 100 : 1000;
    double[] lexMs = new double[measured];
    double[] allMs = new double[measured];
    for (int i = -warmup; i < measured; i++) {
      float[] q = gaussian(rnd);
      // A question's stop words are dropped before it is searched: here the most frequent words play them.
      QueryTerms terms = QueryTerms.of(sentence(vocab, rnd, 3, STOP_RANKS));
      long t0 = System.nanoTime();
      java.util.List<org.kith.node.model.Hit> hits = index.topK(q, 50);
      long t1 = System.nanoTime();
      java.util.Set<String> lexIds = new java.util.HashSet<>();
      for (LexicalIndex.Scored s : lex.top(terms, 50)) {
        lexIds.add(s.id());
      }
      java.util.List<String> missing = new java.util.ArrayList<>();
      for (org.kith.node.model.Hit h : hits) {
        String id = ids.get(java.nio.ByteBuffer.wrap(h.id()).getInt(8));
        if (!lexIds.contains(id)) {
          missing.add(id);
        }
      }
      lex.scores(terms, missing);
      long t2 = System.nanoTime();
      if (i >= 0) {
        lexMs[i] = (t2 - t1) / 1e6;
        allMs[i] = (t2 - t0) / 1e6;
      }
    }
    report.figure("search_100k_bm25_p50_ms", Report.median(lexMs), "ms");
    report.figure("search_100k_hybrid_p50_ms", Report.median(allMs), "ms");
    report.figure("search_100k_hybrid_p99_ms", Report.percentile(allMs, 99), "ms");
  }

  /** Word i of a made-up vocabulary: letters only, so the analyzer keeps it as one word. */
  private static String word(int i) {
    StringBuilder b = new StringBuilder("w");
    int x = i;
    do {
      b.append((char) ('a' + x % 26));
      x /= 26;
    } while (x > 0);
    return b.toString();
  }

  /** Words drawn so that word i is about 1/(i+1) as likely as the first (Zipf, as in real text). */
  private static String sentence(String[] vocab, Random rnd, int words, int skipRanks) {
    StringBuilder b = new StringBuilder();
    double logN = Math.log(vocab.length + 1.0);
    for (int i = 0; i < words; i++) {
      int k;
      do {
        k = (int) Math.min(vocab.length - 1, Math.exp(rnd.nextDouble() * logN) - 1);
      } while (k < skipRanks);
      b.append(vocab[k]).append(' ');
    }
    return b.toString();
  }

  /** The most frequent words, about as many as the stop words the analyzer drops from questions. */
  private static final int STOP_RANKS = 150;

  private static float[] gaussian(Random rnd) {
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }
}
