package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;

/**
 * {@link Vault#check} reports damage without changing anything; {@link Vault#salvage} hands over every entry that
 * still authenticates, from a copy, never touching the original (spec/VAULT.md section 8.1).
 */
class CheckAndSalvageTest {
  private static final Comparator<Path> BY_SIZE = Comparator.comparingLong(p -> p.toFile().length());

  @TempDir Path tmp;

  private static byte[] key(int i) {
    return new byte[] {'k', (byte) (i >> 8), (byte) i};
  }

  private static byte[] value(Store s, int i) {
    return (s.cfName() + " value " + i + " about the repair café").getBytes(UTF_8);
  }

  /** Writes {@code n} entries to NOTES and a few to META and PEERS; the vault is closed, then opened once more. */
  private Path vault(int n, boolean flush) throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir)) {
      for (int i = 0; i < n; i++) {
        v.put(Store.NOTES, key(i), value(Store.NOTES, i));
      }
      for (int i = 0; i < 3; i++) {
        v.put(Store.META, key(i), value(Store.META, i));
        v.put(Store.PEERS, key(i), value(Store.PEERS, i));
      }
      if (flush) {
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
          for (Store s : Store.values()) {
            v.db().flush(fo, v.handle(s));
          }
        }
      }
    }
    return dir;
  }

  private static VaultReport.StoreReport store(VaultReport r, Store s) {
    return r.stores().stream().filter(x -> x.store() == s).findFirst().orElseThrow();
  }

  /** What salvage handed over, by store and hex key; asserts every value is exactly what was written. */
  private static Map<String, Integer> salvage(Path dir, Path scratch) throws Exception {
    Map<String, Integer> got = new HashMap<>();
    VaultReport r =
        Vault.salvage(
            dir,
            TestVaults.PASS,
            scratch,
            (s, k, v) -> {
              int i = (k[1] & 0xff) << 8 | (k[2] & 0xff);
              assertArrayEquals(value(s, i), v, "salvaged " + s + " " + i);
              got.merge(s.cfName(), 1, Integer::sum);
            });
    for (VaultReport.StoreReport sr : r.stores()) {
      assertEquals(sr.readable(), got.getOrDefault(sr.store().cfName(), 0).longValue(), "report counts " + sr);
    }
    try (Stream<Path> left = Files.list(scratch)) {
      assertEquals(0, left.count(), "the temporary copy is deleted");
    }
    return got;
  }

  private Path scratch() throws Exception {
    return Files.createDirectories(tmp.resolve("scratch"));
  }

  @Test
  void healthyVault_checksOk_salvagesEverything_andNothingChanges() throws Exception {
    Path dir = vault(50, true);
    Map<String, String> before = DiskSnapshot.of(dir);
    Thread.sleep(20);
    VaultReport r = Vault.check(dir, TestVaults.PASS);
    assertTrue(r.ok(), r.problems().toString());
    assertTrue(r.opensNormally());
    assertEquals(Store.values().length, r.stores().size());
    assertEquals(50, store(r, Store.NOTES).readable());
    assertEquals(3, store(r, Store.PEERS).readable());
    assertEquals(56, r.readable());
    assertEquals(0, r.failed());
    DiskSnapshot.assertUnchanged(before, dir, "check");

    Map<String, Integer> got = salvage(dir, scratch());
    assertEquals(Map.of("notes", 50, "meta", 3, "peers", 3), got);
    DiskSnapshot.assertUnchanged(before, dir, "salvage");
  }

  @Test
  void damagedLog_checkSaysANormalOpenRefuses_salvageExportsWhatDecrypts() throws Exception {
    Path dir = vault(60, false);
    Path log;
    try (Stream<Path> s = Files.list(dir.resolve(Vault.DB_DIR))) {
      log = s.filter(p -> p.toString().endsWith(".log")).max(BY_SIZE).orElseThrow();
    }
    byte[] b = Files.readAllBytes(log);
    b[b.length / 2] ^= 0x01;
    Files.write(log, b);
    Map<String, String> before = DiskSnapshot.of(dir);
    Thread.sleep(20);

    VaultReport r = Vault.check(dir, TestVaults.PASS);
    assertFalse(r.ok());
    assertFalse(r.opensNormally());
    assertTrue(r.problems().stream().anyMatch(p -> p.contains("a normal open refuses")), r.problems().toString());
    long notes = store(r, Store.NOTES).readable();
    assertTrue(notes > 0 && notes < 60, "the writes before the damage: " + notes);
    DiskSnapshot.assertUnchanged(before, dir, "check");

    Map<String, Integer> got = salvage(dir, scratch());
    assertEquals(notes, got.get("notes").longValue());
    DiskSnapshot.assertUnchanged(before, dir, "salvage");
    assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS), "original still refused");
  }

  @Test
  void alteredAndMovedValues_areCountedByKey_andNeverHandedOver() throws Exception {
    Path dir = vault(20, false);
    byte[] altered = key(4);
    byte[] moved = key(5);
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      byte[] sealed = v.db().get(v.handle(Store.NOTES), altered);
      sealed[sealed.length - 1] ^= 1;
      v.db().put(v.handle(Store.NOTES), altered, sealed);
      v.db().put(v.handle(Store.NOTES), moved, v.db().get(v.handle(Store.NOTES), key(6)));
    }
    VaultReport r = Vault.check(dir, TestVaults.PASS);
    assertTrue(r.opensNormally());
    assertFalse(r.ok());
    assertEquals(18, store(r, Store.NOTES).readable());
    assertEquals(2, store(r, Store.NOTES).failed());
    String line = r.problems().stream().filter(p -> p.contains("fail authentication")).findFirst().orElseThrow();
    assertTrue(line.contains("store notes"), line);
    assertTrue(line.contains(HexFormat.of().formatHex(altered)), line);
    assertTrue(line.contains(HexFormat.of().formatHex(moved)), line);

    Map<String, Integer> got = salvage(dir, scratch());
    assertEquals(18, got.get("notes"));
  }

  @Test
  void damagedTableBlock_checkFindsIt_salvageReadsAroundIt() throws Exception {
    int n = 3000;
    Path dir = tmp.resolve("v");
    Random rnd = new Random(7);
    try (Vault v = TestVaults.create(dir)) {
      try (Batch batch = v.batch()) {
        for (int i = 0; i < n; i++) {
          batch.put(Store.NOTES, key(i), value(Store.NOTES, i));
        }
        batch.commit();
      }
      try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
        v.db().flush(fo, v.handle(Store.NOTES));
      }
    }
    Path sst;
    try (Stream<Path> s = Files.list(dir.resolve(Vault.DB_DIR))) {
      sst = s.filter(p -> p.toString().endsWith(".sst")).max(BY_SIZE).orElseThrow();
    }
    byte[] b = Files.readAllBytes(sst);
    int mid = b.length / 2;
    for (int i = mid; i < mid + 64; i++) {
      b[i] ^= (byte) (1 + rnd.nextInt(255));
    }
    Files.write(sst, b);
    Map<String, String> before = DiskSnapshot.of(dir);
    Thread.sleep(20);

    VaultReport r = Vault.check(dir, TestVaults.PASS);
    assertFalse(r.ok());
    assertTrue(
        r.problems().stream().anyMatch(p -> p.contains("block checksums") || p.contains("reading stopped")),
        r.problems().toString());
    DiskSnapshot.assertUnchanged(before, dir, "check");

    boolean[] seen = new boolean[n];
    VaultReport s =
        Vault.salvage(
            dir,
            TestVaults.PASS,
            scratch(),
            (st, k, v) -> {
              int i = (k[1] & 0xff) << 8 | (k[2] & 0xff);
              assertArrayEquals(value(st, i), v);
              seen[i] = true;
            });
    VaultReport.StoreReport notes = store(s, Store.NOTES);
    // The damaged bytes cost the entries they hit; the rest of the block still authenticates and is rescued.
    assertTrue(notes.readable() < n, "the entries the damage hit are lost: " + notes);
    assertTrue(notes.readable() > n - 100, "only those: " + notes + " " + s.problems());
    assertTrue(notes.incomplete(), "the report says some may be missing");
    assertTrue(s.problems().stream().anyMatch(p -> p.contains("store notes: damage")), s.problems().toString());
    assertTrue(seen[0] && seen[n - 1], "entries before and after the damage are both rescued");
    assertEquals(store(r, Store.NOTES).readable(), notes.readable(), "check counts what salvage gets");
    DiskSnapshot.assertUnchanged(before, dir, "salvage");
  }

  @Test
  void lostCurrentFile_isReported_andSalvageReadsTheNewestManifest() throws Exception {
    Path dir = vault(30, true);
    Files.delete(dir.resolve(Vault.DB_DIR).resolve("CURRENT"));
    assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS));
    VaultReport r = Vault.check(dir, TestVaults.PASS);
    assertFalse(r.opensNormally());
    assertTrue(r.problems().stream().anyMatch(p -> p.contains("CURRENT")), r.problems().toString());
    assertEquals(30, store(r, Store.NOTES).readable());
    assertEquals(Map.of("notes", 30, "meta", 3, "peers", 3), salvage(dir, scratch()));
    assertFalse(Files.exists(dir.resolve(Vault.DB_DIR).resolve("CURRENT")), "the original is not repaired");
  }

  @Test
  void lostTableFile_salvageFallsBackToBestEffortsRecovery() throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir);
        FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      for (int i = 0; i < 20; i++) {
        v.put(Store.NOTES, key(i), value(Store.NOTES, i));
      }
      v.db().flush(fo, v.handle(Store.NOTES));
      for (int i = 20; i < 40; i++) {
        v.put(Store.NOTES, key(i), value(Store.NOTES, i));
      }
      v.db().flush(fo, v.handle(Store.NOTES));
    }
    Path newest;
    try (Stream<Path> s = Files.list(dir.resolve(Vault.DB_DIR))) {
      newest = s.filter(p -> p.toString().endsWith(".sst")).max(Comparator.naturalOrder()).orElseThrow();
    }
    Files.delete(newest);
    assertThrows(VaultException.class, () -> Vault.open(dir, TestVaults.PASS));
    VaultReport r = Vault.check(dir, TestVaults.PASS);
    assertFalse(r.opensNormally());
    assertTrue(
        r.problems().stream().anyMatch(p -> p.contains("best-efforts") && p.contains(newest.getFileName().toString())),
        r.problems().toString());
    assertEquals(20, store(r, Store.NOTES).readable(), "the state before the lost file");
    assertEquals(Map.of("notes", 20), salvage(dir, scratch()));
  }

  @Test
  void looseModes_areReported_notChanged() throws Exception {
    Path dir = vault(1, false);
    Path key = dir.resolve(Vault.KEY_FILE);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    VaultReport r = Vault.check(dir, TestVaults.PASS);
    assertFalse(r.ok());
    assertTrue(
        r.problems().stream().anyMatch(p -> p.contains("vault.key is open to other accounts")),
        r.problems().toString());
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
  }

  @Test
  void refusals_areTyped() throws Exception {
    Path dir = vault(5, false);
    Path scratch = scratch();
    assertThrows(WrongPassphraseException.class, () -> Vault.check(dir, "wrong".toCharArray()));
    assertThrows(
        WrongPassphraseException.class, () -> Vault.salvage(dir, "wrong".toCharArray(), scratch, (s, k, v) -> {}));
    assertThrows(VaultMissingException.class, () -> Vault.check(tmp.resolve("none"), TestVaults.PASS));
    try (Vault open = Vault.open(dir, TestVaults.PASS)) {
      assertNotNull(open);
      assertThrows(VaultLockedException.class, () -> Vault.check(dir, TestVaults.PASS));
      assertThrows(VaultLockedException.class, () -> Vault.salvage(dir, TestVaults.PASS, scratch, (s, k, v) -> {}));
    }
    VaultException stop = new VaultException("the export folder is full");
    VaultException thrown =
        assertThrows(
            VaultException.class,
            () ->
                Vault.salvage(
                    dir,
                    TestVaults.PASS,
                    scratch,
                    (s, k, v) -> {
                      throw stop;
                    }));
    assertSame(stop, thrown, "the visitor's exception comes through");
    try (Stream<Path> left = Files.list(scratch)) {
      assertEquals(0, left.count(), "the copy is deleted even so");
    }
  }
}
