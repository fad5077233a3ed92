package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * A full disk must not lock the owner out (spec/VAULT.md section 4.3): the vault opens read-only, reads and backs
 * up, and every write says why it cannot happen. Once with RocksDB's real ENOSPC on a small tmpfs, and once with
 * the failure injected, which also runs where mounting is not allowed.
 */
class FullDiskTest {
  private static final int NOTES = 40;

  @TempDir Path tmp;

  private Path mounted;

  @AfterEach
  void cleanUp() throws Exception {
    Vault.readWriteOpenFaultForTest = null;
    if (mounted != null) {
      if (run("umount", mounted.toString()) != 0) {
        run("umount", "-l", mounted.toString());
      }
    }
  }

  private static byte[] key(int i) {
    return new byte[] {'n', (byte) i};
  }

  private static byte[] value(int i) {
    return ("note " + i + ": the seed library opens on Thursdays").getBytes(UTF_8);
  }

  private static void writeNotes(Path dir) throws Exception {
    try (Vault v = TestVaults.create(dir)) {
      for (int i = 0; i < NOTES; i++) {
        v.put(Store.NOTES, key(i), value(i));
      }
      v.put(Store.META, new byte[] {1}, "meta".getBytes(UTF_8));
    }
  }

  /** Everything a read-only vault must still do, and every write refused with a message that says why. */
  private static void assertReadOnlyButReadable(Vault v, Path backupFile) throws Exception {
    assertTrue(v.readOnly());
    for (int i = 0; i < NOTES; i++) {
      assertArrayEquals(value(i), v.get(Store.NOTES, key(i)), "note " + i);
    }
    List<byte[]> keys = new ArrayList<>();
    v.forEach(Store.NOTES, (k, val) -> keys.add(k));
    assertEquals(NOTES, keys.size());
    int[] metaKeys = {0};
    v.forEachKey(Store.META, k -> metaKeys[0]++);
    assertEquals(1, metaKeys[0]);
    assertNull(v.get(Store.PEERS, new byte[] {9}));

    VaultReadOnlyException e =
        assertThrows(VaultReadOnlyException.class, () -> v.put(Store.NOTES, key(99), value(99)));
    assertTrue(e.getMessage().contains("writes are off until space is freed"), e.getMessage());
    assertTrue(e.getMessage().contains("disk is full"), e.getMessage());
    assertThrows(VaultReadOnlyException.class, () -> v.delete(Store.NOTES, key(1)));
    try (Batch b = v.batch()) {
      assertThrows(VaultReadOnlyException.class, () -> b.put(Store.NOTES, key(98), value(98)));
      assertThrows(VaultReadOnlyException.class, () -> b.delete(Store.NOTES, key(2)));
      assertThrows(VaultReadOnlyException.class, b::commit);
    }
    assertThrows(
        VaultReadOnlyException.class, () -> v.changePassphrase(TestVaults.PASS, "new one".toCharArray()));
    assertArrayEquals(value(1), v.get(Store.NOTES, key(1)), "nothing was deleted");

    v.backup(backupFile);
  }

  private void assertBackupRestores(Path backupFile) throws Exception {
    Path restored = tmp.resolve("restored");
    Vault.restore(backupFile, restored);
    try (Vault r = Vault.open(restored, TestVaults.PASS)) {
      assertFalse(r.readOnly());
      for (int i = 0; i < NOTES; i++) {
        assertArrayEquals(value(i), r.get(Store.NOTES, key(i)), "restored note " + i);
      }
      r.put(Store.NOTES, key(99), value(99));
    }
  }

  @Test
  void openFailingForLackOfSpace_fallsBackToReadOnly() throws Exception {
    Path dir = tmp.resolve("v");
    writeNotes(dir);
    Vault.open(dir, TestVaults.PASS).close(); // leave nothing for the next open to tidy up
    Map<String, String> before = DiskSnapshot.of(dir);
    Thread.sleep(20);
    Vault.readWriteOpenFaultForTest =
        new RocksDBException(
            "IO error: No space left on device: While appending to file: db/MANIFEST-000012",
            new Status(Status.Code.IOError, Status.SubCode.NoSpace, "No space left on device"));
    Path backupFile = tmp.resolve("while-full.kithbak");
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertReadOnlyButReadable(v, backupFile);
    }
    DiskSnapshot.assertUnchanged(before, dir, "a read-only open, reads and a backup to another folder");
    Vault.readWriteOpenFaultForTest = null;
    assertBackupRestores(backupFile);
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertFalse(v.readOnly(), "space freed: writes are back");
      v.put(Store.NOTES, key(99), value(99));
    }
  }

  @Test
  void otherOpenFailures_doNotFallBack() throws Exception {
    Path dir = tmp.resolve("v");
    writeNotes(dir);
    Vault.readWriteOpenFaultForTest =
        new RocksDBException("IO error: Input/output error", new Status(Status.Code.IOError, null, "EIO"));
    VaultException e = assertThrows(VaultException.class, () -> Vault.open(dir, TestVaults.PASS));
    assertTrue(e.getMessage().contains("disk error"), e.getMessage());
    Vault.readWriteOpenFaultForTest =
        new RocksDBException("Corruption: bad block", new Status(Status.Code.Corruption, null, "bad block"));
    assertThrows(VaultCorruptException.class, () -> Vault.open(dir, TestVaults.PASS));
    Vault.readWriteOpenFaultForTest = null;
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertFalse(v.readOnly());
    }
  }

  /** A fresh 8 MiB tmpfs, unmounted after the test; skips the test where mounting is not allowed. */
  private Path smallDisk() throws Exception {
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    int rc = run("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", mnt.toString());
    assumeTrue(rc == 0, "cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN); the injected test still runs");
    mounted = mnt;
    return mnt;
  }

  @Test
  void realFullDisk_onATmpfs() throws Exception {
    Path mnt = smallDisk();
    Path dir = mnt.resolve("v");
    writeNotes(dir);
    Path filler = mnt.resolve("filler");
    fill(filler);
    assertEquals(0, Files.getFileStore(mnt).getUsableSpace(), "the tmpfs is full");
    IOException direct =
        assertThrows(IOException.class, () -> Files.write(mnt.resolve("one-more"), new byte[4096]));
    assertTrue(String.valueOf(direct.getMessage()).contains("No space left on device"), direct.getMessage());

    Path backupFile = tmp.resolve("from-full-disk.kithbak"); // another file system than the vault's
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertReadOnlyButReadable(v, backupFile);
    }
    assertBackupRestores(backupFile);

    Files.delete(filler);
    Files.deleteIfExists(mnt.resolve("one-more"));
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertFalse(v.readOnly(), "space freed: writes are back");
      v.put(Store.NOTES, key(99), value(99));
      for (int i = 0; i < NOTES; i++) {
        assertArrayEquals(value(i), v.get(Store.NOTES, key(i)), "note " + i);
      }
    }
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertArrayEquals(value(99), v.get(Store.NOTES, key(99)));
    }
  }

  @Test
  void diskFillingUpWhileOpen_turnsWritesOff_andARestartOpensReadOnly() throws Exception {
    Path mnt = smallDisk();
    Path dir = mnt.resolve("v");
    writeNotes(dir);
    Path filler = mnt.resolve("filler");
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertFalse(v.readOnly());
      fill(filler);
      VaultReadOnlyException e =
          assertThrows(VaultReadOnlyException.class, () -> v.put(Store.NOTES, key(90), new byte[8192]));
      assertTrue(e.getMessage().startsWith("this write did not complete"), e.getMessage());
      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      assertTrue(v.readOnly(), "RocksDB refuses every later write until the database is opened again");
      Files.delete(filler);
      assertThrows(VaultReadOnlyException.class, () -> v.put(Store.NOTES, key(91), value(91)), "still, until reopened");
      try (Batch b = v.batch()) {
        assertThrows(VaultReadOnlyException.class, () -> b.put(Store.NOTES, key(92), value(92)));
      }
      assertArrayEquals(value(3), v.get(Store.NOTES, key(3)), "reads work");
      fill(filler);
    }
    Path backupFile = tmp.resolve("after-restart.kithbak");
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertReadOnlyButReadable(v, backupFile);
    }
    assertBackupRestores(backupFile);
    Files.delete(filler);
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertFalse(v.readOnly());
      assertNull(v.get(Store.NOTES, key(90)), "the write that failed is not there");
      v.put(Store.NOTES, key(90), value(90));
      for (int i = 0; i < NOTES; i++) {
        assertArrayEquals(value(i), v.get(Store.NOTES, key(i)), "note " + i);
      }
    }
  }

  /** Writes until the file system refuses even one more byte. */
  private static void fill(Path filler) throws IOException {
    try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.CREATE_NEW)) {
      for (int chunk : new int[] {1 << 16, 1 << 12, 1}) {
        byte[] buf = new byte[chunk];
        try {
          while (true) {
            out.write(buf);
            out.flush();
          }
        } catch (IOException full) {
          // Next, smaller chunk.
        }
      }
    } catch (IOException closingAFullFile) {
      // Nothing was left buffered to flush; the file holds what the disk took.
    }
  }

  private static int run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8).trim();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    if (p.exitValue() != 0) {
      System.out.println(String.join(" ", cmd) + ": exit " + p.exitValue() + " " + out);
    }
    return p.exitValue();
  }
}
