package org.kith.bench.vault;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.storage.Batch;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.RocksDB;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Sealed vault put/get against raw RocksDB put/get, same run, same disk, same value sizes, same 16-byte random keys.
 *
 * <p>Fairness: both sides write with {@code WriteOptions.sync = true} (every put fsyncs the WAL, as the vault does
 * for every user-visible write) and open RocksDB with the options the vault uses (one column family per store,
 * paranoid checks, point-in-time WAL recovery, default table options). The raw side stores the plaintext; the
 * vault stores version || nonce || ciphertext || tag (41 bytes more) and pays for sealing/opening through JNA.
 * Gets read keys in random order after both sides were preloaded, closed and reopened (so the data sits in SST
 * files on both), with the block cache of both sides at the RocksDB default. Rounds alternate between the two sides so machine noise hits both; medians are reported.
 */
public final class VaultBenchmark implements Benchmark {
  private static final char[] PASS = "bench passphrase".toCharArray();

  @Override
  public String name() {
    return "vault";
  }

  @Override
  public void run(boolean quick, Report report) throws Exception {
    Path scratch = scratch();
    try {
      int rounds = quick ? 3 : 7;
      int putOps = quick ? 150 : 500;
      int keys = quick ? 20_000 : 100_000;
      int getOps = quick ? 30_000 : 200_000;
      unlock(scratch.resolve("unlock"), quick ? 3 : 7, report);
      for (int size : new int[] {100, 1024}) {
        String label = size == 100 ? "100b" : "1kib";
        try (Vault vault = Vault.create(scratch.resolve("vault-" + label), PASS);
            RawDb raw = new RawDb(scratch.resolve("raw-" + label))) {
          double[] ours = new double[rounds];
          double[] base = new double[rounds];
          Random rnd = new Random(size);
          byte[] value = new byte[size];
          rnd.nextBytes(value);
          for (int r = 0; r < rounds; r++) {
            // Alternate which side goes first so a slow moment does not always land on the same one.
            if (r % 2 == 0) {
              ours[r] = vaultPuts(vault, putOps, value);
              base[r] = rawPuts(raw, putOps, value);
            } else {
              base[r] = rawPuts(raw, putOps, value);
              ours[r] = vaultPuts(vault, putOps, value);
            }
          }
          report.figure("vault_put_" + label + "_ops", Report.median(ours), "ops/s");
          report.figure("raw_rocksdb_put_" + label + "_ops", Report.median(base), "ops/s");
          report.ratio("vault_put_" + label + "_ratio", Report.median(ours), Report.median(base));
        }
        getPhase(scratch, label, size, rounds, keys, getOps, report);
      }
    } finally {
      deleteTree(scratch);
    }
  }

  /**
   * Preloads both sides, closes and reopens them (RocksDB flushes the recovered memtable to SST at open), then reads
   * random keys, so both read the same shape of data from SST through the default block cache.
   */
  private static void getPhase(
      Path scratch, String label, int size, int rounds, int keys, int getOps, Report report) throws Exception {
    Path vaultDir = scratch.resolve("vault-get-" + label);
    Path rawDir = scratch.resolve("raw-get-" + label);
    byte[] value = new byte[size];
    new Random(size).nextBytes(value);
    List<byte[]> ids;
    try (Vault vault = Vault.create(vaultDir, PASS);
        RawDb raw = new RawDb(rawDir)) {
      ids = preload(vault, raw, keys, value);
    }
    double[] ours = new double[rounds];
    double[] base = new double[rounds];
    try (Vault vault = Vault.open(vaultDir, PASS);
        RawDb raw = new RawDb(rawDir)) {
      // One untimed pass each to warm the JIT and the block cache alike.
      vaultGets(vault, ids, 20_000, 1);
      rawGets(raw, ids, 20_000, 1);
      for (int r = 0; r < rounds; r++) {
        long seed = 31L * r + size;
        if (r % 2 == 0) {
          ours[r] = vaultGets(vault, ids, getOps, seed);
          base[r] = rawGets(raw, ids, getOps, seed);
        } else {
          base[r] = rawGets(raw, ids, getOps, seed);
          ours[r] = vaultGets(vault, ids, getOps, seed);
        }
      }
    }
    report.figure("vault_get_" + label + "_ops", Report.median(ours), "ops/s");
    report.figure("raw_rocksdb_get_" + label + "_ops", Report.median(base), "ops/s");
    report.ratio("vault_get_" + label + "_ratio", Report.median(ours), Report.median(base));
  }

  /** Argon2id with the production parameters, key unwrap, RocksDB open; not the node's index load. */
  private static void unlock(Path dir, int rounds, Report report) throws Exception {
    Vault.create(dir, PASS).close();
    double[] ms = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      Vault v = Vault.open(dir, PASS);
      ms[r] = (System.nanoTime() - t0) / 1e6;
      v.close();
    }
    report.figure("vault_unlock_ms", Report.median(ms), "ms");
  }

  private static double vaultPuts(Vault v, int ops, byte[] value) throws Exception {
    long t0 = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      v.put(Store.NOTES, Vault.randomId(), value);
    }
    return ops / ((System.nanoTime() - t0) / 1e9);
  }

  private static double rawPuts(RawDb raw, int ops, byte[] value) throws Exception {
    long t0 = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      // Same key source as the vault side, so key generation costs the same on both.
      raw.db.put(raw.notes, raw.sync, Vault.randomId(), value);
    }
    return ops / ((System.nanoTime() - t0) / 1e9);
  }

  private static List<byte[]> preload(Vault v, RawDb raw, int keys, byte[] value) throws Exception {
    List<byte[]> ids = new ArrayList<>(keys);
    for (int start = 0; start < keys; start += 1000) {
      try (Batch b = v.batch();
          WriteBatch wb = new WriteBatch()) {
        for (int i = start; i < Math.min(keys, start + 1000); i++) {
          byte[] id = Vault.randomId();
          ids.add(id);
          b.put(Store.NOTES, id, value);
          wb.put(raw.notes, id, value);
        }
        b.commit();
        raw.db.write(raw.sync, wb);
      }
    }
    return ids;
  }

  private static double vaultGets(Vault v, List<byte[]> ids, int ops, long seed) throws Exception {
    Random rnd = new Random(seed);
    long sink = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      sink += v.get(Store.NOTES, ids.get(rnd.nextInt(ids.size()))).length;
    }
    double rate = ops / ((System.nanoTime() - t0) / 1e9);
    if (sink == 42) {
      System.err.print("");
    }
    return rate;
  }

  private static double rawGets(RawDb raw, List<byte[]> ids, int ops, long seed) throws Exception {
    Random rnd = new Random(seed);
    long sink = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      sink += raw.db.get(raw.notes, ids.get(rnd.nextInt(ids.size()))).length;
    }
    double rate = ops / ((System.nanoTime() - t0) / 1e9);
    if (sink == 42) {
      System.err.print("");
    }
    return rate;
  }

  /** RocksDB opened as the vault opens it, without the sealing. */
  private static final class RawDb implements AutoCloseable {
    final DBOptions options;
    final ColumnFamilyOptions cfOptions = new ColumnFamilyOptions();
    final WriteOptions sync = new WriteOptions().setSync(true);
    final List<ColumnFamilyHandle> handles = new ArrayList<>();
    final RocksDB db;
    final ColumnFamilyHandle notes;

    RawDb(Path dir) throws Exception {
      RocksDB.loadLibrary();
      options =
          new DBOptions()
              .setCreateIfMissing(true)
              .setCreateMissingColumnFamilies(true)
              .setParanoidChecks(true)
              .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)
              .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
              .setKeepLogFileNum(2)
              .setMaxLogFileSize(1 << 20);
      List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
      cfs.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
      for (Store s : Store.values()) {
        cfs.add(new ColumnFamilyDescriptor(s.cfName().getBytes(java.nio.charset.StandardCharsets.UTF_8), cfOptions));
      }
      db = RocksDB.open(options, dir.toString(), cfs, handles);
      notes = handles.get(1 + Store.NOTES.ordinal());
    }

    @Override
    public void close() {
      for (int i = handles.size() - 1; i >= 0; i--) {
        handles.get(i).close();
      }
      db.close();
      sync.close();
      cfOptions.close();
      options.close();
    }
  }

  private static Path scratch() throws Exception {
    String base = System.getProperty("kith.bench.scratch");
    Path parent = base == null ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(base);
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, "vault-bench");
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
