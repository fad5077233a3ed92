package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;

class VaultFailureModesTest {
  @TempDir Path tmp;

  private Path vaultWithData() throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir)) {
      for (int i = 0; i < 50; i++) {
        v.put(Store.NOTES, new byte[] {(byte) i}, ("note " + i).getBytes(UTF_8));
      }
      try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
        v.db().flush(fo, v.handle(Store.NOTES));
      }
    }
    return dir;
  }

  /** Every file under dir: its bytes (hex) and mtime. */
  private static Map<String, String> snapshot(Path dir) throws Exception {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        FileTime t = Files.getLastModifiedTime(p);
        String content = Files.isRegularFile(p) ? HexFormat.of().formatHex(Files.readAllBytes(p)) : "dir";
        m.put(dir.relativize(p).toString(), t.toString() + " " + content);
      }
    }
    return m;
  }

  @Test
  void wrongPassphrase_changesNoByteAndNoMtime() throws Exception {
    Path dir = vaultWithData();
    Map<String, String> before = snapshot(dir);
    Thread.sleep(20); // so a touched file would show a different mtime
    WrongPassphraseException e =
        assertThrows(WrongPassphraseException.class, () -> Vault.open(dir, "not it".toCharArray()));
    assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
    assertEquals(before, snapshot(dir));
  }

  @Test
  void missingFolderOrNoVault_isVaultMissing() throws Exception {
    assertThrows(VaultMissingException.class, () -> Vault.open(tmp.resolve("nowhere"), TestVaults.PASS));
    Path empty = Files.createDirectory(tmp.resolve("empty"));
    VaultMissingException e = assertThrows(VaultMissingException.class, () -> Vault.open(empty, TestVaults.PASS));
    assertTrue(e.getMessage().contains("kith init"), e.getMessage());
    assertTrue(!Vault.exists(empty));
  }

  @Test
  void damagedKeyFile_isTyped() throws Exception {
    Path dir = vaultWithData();
    Path key = dir.resolve(Vault.KEY_FILE);
    byte[] good = Files.readAllBytes(key);

    Files.write(key, java.util.Arrays.copyOf(good, 50));
    assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS), "truncated");

    byte[] badMagic = good.clone();
    badMagic[0] ^= 1;
    Files.write(key, badMagic);
    assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS), "magic");

    byte[] badVersion = good.clone();
    badVersion[8] = 9;
    Files.write(key, badVersion);
    VaultCorruptException v = assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS));
    assertTrue(v.getMessage().contains("version 9"), v.getMessage());

    // A changed salt, nonce or wrapped key cannot be told from a wrong passphrase; the message says both.
    for (int pos : new int[] {30, 50, 70, 111}) {
      byte[] bad = good.clone();
      bad[pos] ^= 0x40;
      Files.write(key, bad);
      WrongPassphraseException w =
          assertThrows(WrongPassphraseException.class, () -> Vault.open(dir, TestVaults.PASS), "pos " + pos);
      assertTrue(w.getMessage().contains("key file may be damaged"), w.getMessage());
    }

    Files.delete(key);
    VaultCorruptException lost = assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS));
    assertTrue(lost.getMessage().contains("lost its key file"), lost.getMessage());

    Files.write(key, good);
    try (Vault ok = Vault.open(dir, TestVaults.PASS)) {
      assertArrayEquals("note 7".getBytes(UTF_8), ok.get(Store.NOTES, new byte[] {7}));
    }
  }

  @Test
  void damagedDatabaseFolder_isVaultCorrupt() throws Exception {
    Path dir = vaultWithData();
    Path db = dir.resolve(Vault.DB_DIR);
    Path current = db.resolve("CURRENT");
    byte[] currentBytes = Files.readAllBytes(current);
    Files.delete(current);
    VaultCorruptException e = assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS));
    assertTrue(e.getMessage().contains("restore"), e.getMessage());
    Files.write(current, currentBytes);

    Path manifest = db.resolve(new String(currentBytes, UTF_8).trim());
    byte[] manifestBytes = Files.readAllBytes(manifest);
    byte[] garbage = manifestBytes.clone();
    for (int i = 0; i < garbage.length; i += 7) {
      garbage[i] ^= 0x5a;
    }
    Files.write(manifest, garbage);
    assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS), "garbled MANIFEST");
    Files.write(manifest, manifestBytes);

    Path sst;
    try (Stream<Path> files = Files.list(db)) {
      sst = files.filter(p -> p.toString().endsWith(".sst")).findFirst().orElseThrow();
    }
    byte[] sstBytes = Files.readAllBytes(sst);
    byte[] badSst = sstBytes.clone();
    for (int i = 0; i < Math.min(400, badSst.length); i++) {
      badSst[i] ^= 0x33;
    }
    Files.write(sst, badSst);
    // RocksDB may notice at open (paranoid checks) or on the first read (block checksum): either way a typed error.
    assertThrows(
        VaultException.class,
        () -> {
          try (Vault v = Vault.open(dir, TestVaults.PASS)) {
            for (int i = 0; i < 50; i++) {
              v.get(Store.NOTES, new byte[] {(byte) i});
            }
          }
        });
  }

  @Test
  void vaultHeldByAnotherProcess_isLockedBothWays() throws Exception {
    Path dir = vaultWithData();
    String pass = new String(TestVaults.PASS);

    // The parent holds it; a child JVM trying to open gets VaultLockedException.
    try (Vault held = Vault.open(dir, TestVaults.PASS)) {
      Process child = ChildJvm.start("open", dir.toString(), pass);
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
        assertEquals("VaultLockedException", r.readLine());
      }
      assertTrue(child.waitFor(60, TimeUnit.SECONDS));
      assertArrayEquals("note 1".getBytes(UTF_8), held.get(Store.NOTES, new byte[] {1}), "holder unaffected");
    }

    // A child holds it; the parent gets VaultLockedException with a message for the user.
    Process holder = ChildJvm.start("hold", dir.toString(), pass);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream(), UTF_8))) {
      assertEquals("OPEN", r.readLine());
      VaultLockedException e = assertThrows(VaultLockedException.class, () -> Vault.open(dir, TestVaults.PASS));
      assertTrue(e.getMessage().contains("in use by another Kith process"), e.getMessage());
      holder.getOutputStream().close();
      assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
    } finally {
      holder.destroyForcibly();
    }
    Vault.open(dir, TestVaults.PASS).close();
  }
}
