package org.kith.bench.node;

import org.kith.node.app.KithNode;
import org.kith.node.model.EmbedderSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.node.base.Home;
import org.kith.node.model.Borrowed;
import org.kith.node.model.Embedder;
import org.kith.node.model.MiniLmEmbedder;
import org.kith.node.notes.Note;
import org.kith.node.notes.NoteCodec;
import org.kith.node.notes.NoteId;
import org.kith.storage.Batch;
import org.kith.storage.Store;
import org.kith.storage.Vault;

/**
 * Unlocking a vault of 10k notes: Argon2id, RocksDB open, and decrypting every vector into the in-memory index,
 * as `kith start` does. The model is loaded once outside the timing (it is not part of unlocking).
 */
public final class UnlockBenchmark implements Benchmark {
  static final int NOTES = 10_000;

  @Override
  public String name() {
    return "unlock";
  }

  @Override
  public void run(boolean quick, Report report) throws Exception {
    Path scratch = Files.createTempDirectory(Path.of(System.getProperty("kith.bench.scratch",
        System.getProperty("java.io.tmpdir"))), "unlock");
    try (Embedder model = MiniLmEmbedder.load(scratch.resolve("cache"))) {
      EmbedderSource source = d -> new Borrowed(model);
      Home home = new Home(scratch.resolve("home"));
      char[] pass = "bench passphrase".toCharArray();
      byte[] hash = HexFormat.of().parseHex(model.modelId().weightsSha256());
      Random r = new Random(42);
      try (KithNode node = KithNode.init(home, pass, "Bench", KithNode.Options.of(source))) {
        Vault v = node.vault();
        for (int start = 0; start < NOTES; start += 1000) {
          try (Batch b = v.batch()) {
            for (int i = start; i < start + 1000; i++) {
              NoteId id = NoteId.of(Vault.randomId());
              Note n = new Note(id, null, "note " + i + " about the allotment and the tool library", List.of("t"),
                  System.currentTimeMillis(), null);
              float[] vec = new float[model.dimensions()];
              double norm = 0;
              for (int d = 0; d < vec.length; d++) {
                vec[d] = (float) r.nextGaussian();
                norm += vec[d] * vec[d];
              }
              for (int d = 0; d < vec.length; d++) {
                vec[d] /= (float) Math.sqrt(norm);
              }
              b.put(Store.NOTES, id.bytes(), NoteCodec.encodeNote(n));
              b.put(Store.VECTORS, id.bytes(), NoteCodec.encodeVector(hash, vec));
            }
            b.commit();
          }
        }
        if (node.notes().ensureIndex() != 0) {
          throw new IllegalStateException("bench vectors were re-embedded: wrong weights hash");
        }
      }
      int rounds = quick ? 3 : 7;
      double[] total = new double[rounds];
      double[] index = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        long t0 = System.nanoTime();
        try (KithNode node = KithNode.open(home, pass, KithNode.Options.of(source))) {
          long t1 = System.nanoTime();
          int reembedded = node.notes().ensureIndex();
          long t2 = System.nanoTime();
          if (reembedded != 0) {
            throw new IllegalStateException("re-embedded " + reembedded + " notes at unlock");
          }
          total[i] = (t2 - t0) / 1e6;
          index[i] = (t2 - t1) / 1e6;
        }
      }
      report.figure("unlock_10k_notes_p50_ms", Report.median(total), "ms");
      report.figure("unlock_index_load_10k_p50_ms", Report.median(index), "ms");
    } finally {
      try (var s = Files.walk(scratch)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
