package org.kith.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs every benchmark, or those named on the command line. {@code quick} as first argument shortens each.
 * Usage: {@code ./bench/run [quick] [NAME...]}.
 */
public final class Bench {
  private Bench() {}

  static List<Benchmark> all() {
    List<Benchmark> list = new ArrayList<>();
    // Each benchmark registers itself here.
    list.add(new org.kith.bench.record.RecordBenchmark());
    list.add(new org.kith.bench.vault.VaultBenchmark());
    list.addAll(List.of(new org.kith.bench.model.EmbedBenchmark(), new org.kith.bench.model.SearchBenchmark()));
    list.addAll(org.kith.bench.transport.TransportBenchmarks.all());
    list.add(new org.kith.bench.net.NetBenchmark());
    list.add(new org.kith.bench.net.FloodBenchmark());
    list.add(new org.kith.bench.node.UnlockBenchmark());
    list.add(new org.kith.bench.ask.AskBenchmark());
    list.add(new org.kith.bench.answers.AnswersBenchmark());
    return list;
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("ai.djl.offline", "true");
    boolean quick = false;
    List<String> names = new ArrayList<>();
    for (String a : args) {
      if (a.equals("quick")) {
        quick = true;
      } else {
        names.add(a);
      }
    }
    Report report = new Report(System.out);
    int failures = 0;
    for (Benchmark b : all()) {
      if (!names.isEmpty() && !names.contains(b.name())) {
        continue;
      }
      System.err.println("# " + b.name() + (quick ? " (quick)" : ""));
      try {
        b.run(quick, report);
      } catch (Exception e) {
        failures++;
        System.err.println("# " + b.name() + " failed: " + e);
        e.printStackTrace();
      }
    }
    System.exit(failures == 0 ? 0 : 1);
  }
}
