package org.kith.bench.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.node.model.MiniLmEmbedder;

/**
 * Embedding throughput of {@link MiniLmEmbedder} (DJL on ONNX Runtime) against the raw ONNX Runtime Java API
 * on the same model, tokenizer, pooling and inputs, at the same batch size. Rounds alternate which side goes
 * first, and medians are quoted, because the machine is shared and noisy.
 */
public final class EmbedBenchmark implements Benchmark {
  private static final int BATCH = 32;

  @Override
  public String name() {
    return "embed";
  }

  @Override
  public void run(boolean quick, Report report) throws Exception {
    int rounds = quick ? 11 : 31;
    int perRound = quick ? BATCH : 4 * BATCH;
    int singles = quick ? 16 : 96;
    List<String> corpus = sentences(new Random(20261126L), perRound);
    Path cache = scratch().resolve("kith-model-cache");
    try (MiniLmEmbedder djl = MiniLmEmbedder.load(cache);
        OrtBaseline ort = new OrtBaseline(cache.resolve("model"))) {
      for (int i = 0; i < (quick ? 2 : 4); i++) {
        djl.embedBatch(corpus);
        ort.embedBatch(corpus);
      }
      // Each round times both sides back to back, alternating which goes first (ABBA), and the ratio is the
      // median of the rounds' ratios: the box is shared, and a pair close in time sees the same load.
      double[] djlRates = new double[rounds];
      double[] ortRates = new double[rounds];
      double[] ratios = new double[rounds];
      double[] cpuRatios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        Sample d;
        Sample o;
        if (r % 2 == 0) {
          d = sample(() -> djl.embedBatch(corpus), corpus.size());
          o = sample(() -> ort.embedBatch(corpus), corpus.size());
        } else {
          o = sample(() -> ort.embedBatch(corpus), corpus.size());
          d = sample(() -> djl.embedBatch(corpus), corpus.size());
        }
        djlRates[r] = d.perWallSecond();
        ortRates[r] = o.perWallSecond();
        ratios[r] = d.perWallSecond() / o.perWallSecond();
        cpuRatios[r] = d.perCpuSecond() / o.perCpuSecond();
      }
      report.figure("embed_djl_vs_ort_ratio", Report.median(ratios), "x");
      // The same comparison in sentences per second of process CPU time: the cost of DJL's layer itself,
      // far less disturbed than wall time when other jobs share the cores.
      report.figure("embed_djl_vs_ort_cpu_ratio", Report.median(cpuRatios), "x");
      report.figure("embed_batch32_sentences_per_s", Report.median(djlRates), "sentences/s");
      report.figure("embed_ort_batch32_sentences_per_s", Report.median(ortRates), "sentences/s");

      List<String> few = corpus.subList(0, singles);
      double[] singleRates = new double[quick ? 3 : 7];
      for (int r = 0; r < singleRates.length; r++) {
        singleRates[r] = rate(() -> {
          for (String s : few) {
            djl.embed(s);
          }
        }, few.size());
      }
      report.figure("embed_batch1_sentences_per_s", Report.median(singleRates), "sentences/s");
      System.err.println("# load average " + loadAverage() + " on " + cores() + " cores");
    }
  }

  interface Work {
    void run() throws Exception;
  }

  private static double rate(Work w, int sentences) throws Exception {
    return sample(w, sentences).perWallSecond();
  }

  /** Sentences embedded, wall and process CPU nanoseconds spent on them. */
  record Sample(int sentences, long wallNanos, long cpuNanos) {
    double perWallSecond() {
      return sentences / (wallNanos / 1e9);
    }

    double perCpuSecond() {
      return sentences / (Math.max(1, cpuNanos) / 1e9);
    }
  }

  private static Sample sample(Work w, int sentences) throws Exception {
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    w.run();
    long wall = System.nanoTime() - t0;
    return new Sample(sentences, wall, processCpuNanos() - cpu0);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  static Path scratch() throws java.io.IOException {
    String s = System.getProperty("kith.bench.scratch");
    return s != null ? Path.of(s) : Files.createTempDirectory("kith-bench");
  }

  /** Note-like sentences of 6 to 40 words, the range a community note or passage title falls in. */
  static List<String> sentences(Random rnd, int n) {
    String[] words = (
        "the a my our neighbour garden bike tyre repair bread recipe childcare swap ladder borrow tools "
            + "community fridge seeds tomato potluck saturday morning evening library meeting notes how why "
            + "where can anyone help share offer need winter coats lift station market repair cafe sewing "
            + "machine compost heating tips flat inner tube patch sourdough starter rota volunteers local")
        .split(" ");
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int len = 6 + rnd.nextInt(35);
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < len; w++) {
        sb.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
      }
      out.add(sb.append('.').toString());
    }
    return out;
  }
}
