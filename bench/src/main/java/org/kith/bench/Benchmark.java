package org.kith.bench;

/** One harness benchmark. {@code quick} runs must keep the whole suite within 60 s. */
public interface Benchmark {
  String name();

  void run(boolean quick, Report report) throws Exception;
}
