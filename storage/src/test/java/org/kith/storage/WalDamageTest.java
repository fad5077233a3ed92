package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;

/**
 * A damaged write-ahead log is reported, never read as a torn tail (spec/VAULT.md section 4.2). Each put below
 * returned, so it was acknowledged and fsynced; the vault is closed without a flush, so the writes live only in
 * {@code db/*.log}.
 */
class WalDamageTest {
  private static final int WRITES = 60;

  @TempDir Path tmp;

  private static byte[] key(int i) {
    return new byte[] {'k', (byte) i};
  }

  private static byte[] value(int i) {
    return ("acknowledged write " + i + " of a note about the allotment rota").getBytes(UTF_8);
  }

  private Path vaultWithWritesInTheLog() throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir)) {
      for (int i = 0; i < WRITES; i++) {
        v.put(Store.NOTES, key(i), value(i));
      }
    }
    return dir;
  }

  private static List<Path> logs(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve(Vault.DB_DIR))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
    }
  }

  private static Path biggestLog(Path dir) throws Exception {
    return logs(dir).stream().max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
  }

  private static void flip(Path file, int pos, int mask) throws Exception {
    byte[] b = Files.readAllBytes(file);
    b[pos] ^= (byte) mask;
    Files.write(file, b);
  }

  private static void assertRefusedAndUntouched(Path dir, String what) throws Exception {
    Map<String, String> before = DiskSnapshot.of(dir);
    Thread.sleep(20); // so a touched file would show a new mtime
    VaultCorruptException e =
        assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS), what);
    assertTrue(e.getMessage().contains("kith restore BACKUP --home NEW"), e.getMessage());
    assertTrue(e.getMessage().contains("kith vault salvage DIR"), e.getMessage());
    assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
    DiskSnapshot.assertUnchanged(before, dir, "a refused open (" + what + ")");
  }

  @Test
  void flippedByteInTheMiddleOfTheLog_isRefused_andNothingOnDiskChanges() throws Exception {
    Path dir = vaultWithWritesInTheLog();
    Path log = biggestLog(dir);
    flip(log, (int) (Files.size(log) / 2), 0x01);
    assertRefusedAndUntouched(dir, "flipped byte in the middle of " + log.getFileName());
    // Refused again, the same way: the first refusal did not "repair" the log by cutting it.
    assertRefusedAndUntouched(dir, "second attempt");
  }

  @Test
  void flippedByteAnywhereBeforeTheFinalRecord_isRefused() throws Exception {
    Path dir = vaultWithWritesInTheLog();
    Path log = biggestLog(dir);
    byte[] good = Files.readAllBytes(log);
    // Every 97th byte up to the final 512 (the last few records; see the next test for why they differ).
    for (int pos = 0; pos < good.length - 512; pos += 97) {
      byte[] bad = good.clone();
      bad[pos] ^= 0x01;
      Files.write(log, bad);
      int at = pos;
      assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS), () -> "flip at " + at);
    }
    Files.write(log, good);
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      for (int i = 0; i < WRITES; i++) {
        assertArrayEquals(value(i), v.get(Store.NOTES, key(i)), "write " + i);
      }
    }
  }

  /**
   * The trade of TolerateCorruptedTailRecords, pinned so a RocksDB upgrade that changes it is noticed: a final
   * record whose length field was damaged so that it seems to run past the end of the file looks exactly like a
   * write torn by a crash, and is dropped with what follows it. Only the last 32 KiB block of the newest log can be
   * read that way.
   */
  @Test
  void finalRecordWhoseLengthRunsPastTheEnd_readsAsATornWrite() throws Exception {
    Path dir = vaultWithWritesInTheLog();
    Path log = biggestLog(dir);
    int size = (int) Files.size(log);
    int lastRecord = lastRecordOffset(Files.readAllBytes(log));
    // A WAL record header is crc32c (4) || length (2, little-endian) || type (1); byte 5 is the length's high byte.
    flip(log, lastRecord + 5, 0x01);
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      for (int i = 0; i < WRITES - 1; i++) {
        assertArrayEquals(value(i), v.get(Store.NOTES, key(i)), "write " + i);
      }
      assertNull(v.get(Store.NOTES, key(WRITES - 1)), "the last record of a " + size + "-byte log");
    }
  }

  /** Walks the record headers of a log shorter than one 32 KiB block and returns where the last one starts. */
  private static int lastRecordOffset(byte[] log) {
    assertTrue(log.length < 32 * 1024, "test log fits one block: " + log.length);
    int pos = 0;
    int last = -1;
    while (pos + 7 <= log.length) {
      int len = (log[pos + 4] & 0xff) | (log[pos + 5] & 0xff) << 8;
      last = pos;
      pos += 7 + len;
    }
    assertEquals(log.length, pos, "records tile the log");
    return last;
  }

  @Test
  void logTornInTheFinalRecord_opensWithEveryEarlierWrite() throws Exception {
    Path dir = vaultWithWritesInTheLog();
    Path log = biggestLog(dir);
    byte[] good = Files.readAllBytes(log);
    int lastRecord = lastRecordOffset(good);
    // A crash mid-write leaves the final record cut anywhere: inside its header or inside its body.
    for (int cut : new int[] {lastRecord + 3, lastRecord + 7 + 10, good.length - 1}) {
      Path copy = tmp.resolve("torn-" + cut);
      copyTree(dir, copy);
      Path copyLog = copy.resolve(dir.relativize(log));
      Files.write(copyLog, Arrays.copyOf(good, cut));
      try (Vault v = Vault.open(copy, TestVaults.PASS)) {
        for (int i = 0; i < WRITES - 1; i++) {
          assertArrayEquals(value(i), v.get(Store.NOTES, key(i)), "write " + i + " with the log cut at " + cut);
        }
        assertNull(v.get(Store.NOTES, key(WRITES - 1)), "the torn write itself never returned to its caller");
        v.put(Store.NOTES, key(200), value(200));
      }
      try (Vault v = Vault.open(copy, TestVaults.PASS)) {
        assertArrayEquals(value(200), v.get(Store.NOTES, key(200)), "writes after recovery land");
      }
    }
  }

  @Test
  void olderLogThatLostItsTail_isRefused() throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir)) {
      for (int i = 0; i < WRITES; i++) {
        v.put(Store.META, key(i), value(i));
        v.put(Store.NOTES, key(i), value(i));
      }
      // Flushing one store starts a new log; the old one stays, since META's writes in it are not in a table yet.
      try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
        v.db().flush(fo, v.handle(Store.NOTES));
      }
      for (int i = WRITES; i < 2 * WRITES; i++) {
        v.put(Store.NOTES, key(i), value(i));
      }
    }
    List<Path> logs = logs(dir);
    assertTrue(logs.size() >= 2, "two logs: " + logs);
    Path older = logs.get(0);
    byte[] b = Files.readAllBytes(older);
    Files.write(older, Arrays.copyOf(b, b.length - 30));
    assertRefusedAndUntouched(dir, "older log " + older.getFileName() + " cut by 30 bytes");
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}
