package org.kith.bench.model;

import java.nio.ByteBuffer;
import java.util.Random;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.node.model.VectorIndex;

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
    System.err.println(
        "# load average " + EmbedBenchmark.loadAverage() + " on " + EmbedBenchmark.cores() + " cores");
  }

  private static float[] gaussian(Random rnd) {
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }
}
