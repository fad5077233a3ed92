package org.kith.bench.transport;

import java.util.List;
import org.kith.bench.Benchmark;

/** The transport benchmarks, registered in {@code Bench.all()} with one line. */
public final class TransportBenchmarks {
  private TransportBenchmarks() {}

  public static List<Benchmark> all() {
    return List.of(new HandshakeBenchmark(), new BoxStreamBenchmark());
  }
}
