package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;

/**
 * Every folder of a vault is 0700 and every file 0600 (spec/VAULT.md section 4.4): after create, after writes,
 * flushes and compactions, in backups and restores, after opening a vault whose modes were loosened, and under a
 * umask of 000 in a child JVM. Tests run as whoever runs the build, often root, who can read anything: so they
 * check the mode bits, not whether a read fails.
 */
class FilePermissionsTest {
  @TempDir Path tmp;

  @BeforeEach
  void posixOnly() {
    assumeTrue(
        Files.getFileAttributeView(tmp, PosixFileAttributeView.class) != null,
        "the temp folder's file system has no POSIX permissions");
  }

  /**
   * Every path under root whose mode is not 0700 (folders) or 0600 (files), with its mode. Walks again if RocksDB
   * deleted an obsolete file under the walk.
   */
  static List<String> loose(Path root) throws Exception {
    for (int attempt = 0; ; attempt++) {
      try {
        return looseOnce(root);
      } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
        if (attempt == 4) {
          throw e;
        }
      }
    }
  }

  private static List<String> looseOnce(Path root) throws Exception {
    List<String> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        String want = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
        if (!mode.equals(want)) {
          out.add(root.relativize(p) + " " + mode);
        }
      }
    }
    return out;
  }

  private static void assertOwnerOnly(Path root, String when) throws Exception {
    List<String> l = loose(root);
    assertTrue(l.isEmpty(), when + ": not owner-only: " + l);
  }

  /** RocksDB's listener tightens after a flush on RocksDB's own thread, so this waits for it (at most 10 s). */
  private static void awaitOwnerOnly(Path root, String when) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!loose(root).isEmpty() && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertOwnerOnly(root, when);
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private static void writeAndFlush(Vault v, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      v.put(Store.NOTES, Vault.randomId(), ("note " + i).getBytes(UTF_8));
      v.put(Store.META, Vault.randomId(), ("meta " + i).getBytes(UTF_8));
    }
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      for (Store s : Store.values()) {
        v.db().flush(fo, v.handle(s));
      }
    }
  }

  @Test
  void create_makesEverythingOwnerOnly() throws Exception {
    Path probe = Files.createFile(tmp.resolve("probe"));
    System.out.println("umask probe: a new file here is " + mode(probe));
    Path dir = tmp.resolve("home/vault");
    try (Vault v = TestVaults.create(dir)) {
      assertOwnerOnly(dir, "right after create");
      assertFalse(v.permissionsTightened(), "nothing to tighten in a new vault");
    }
    assertOwnerOnly(dir, "after close");
  }

  @Test
  void writesFlushesAndCompactions_leaveEverythingOwnerOnly() throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir)) {
      writeAndFlush(v, 100);
      awaitOwnerOnly(dir, "after writes and a flush of every store");
      writeAndFlush(v, 100);
      v.db().compactRange(v.handle(Store.NOTES));
      awaitOwnerOnly(dir, "after a second flush and a compaction");
    }
    assertOwnerOnly(dir, "after close");
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertOwnerOnly(dir, "after reopening");
      assertFalse(v.permissionsTightened());
    }
  }

  @Test
  void backupAndRestore_areOwnerOnly() throws Exception {
    Path dir = tmp.resolve("v");
    Path file = tmp.resolve("backup.kithbak");
    byte[] id = Vault.randomId();
    try (Vault v = TestVaults.create(dir)) {
      v.put(Store.NOTES, id, "kept".getBytes(UTF_8));
      v.backup(file);
      assertOwnerOnly(dir, "the vault after a backup (the checkpoint folder is gone)");
    }
    assertEquals("rw-------", mode(file), "backup archive");
    Path restored = tmp.resolve("restored");
    Vault.restore(file, restored);
    assertOwnerOnly(restored, "a restored vault");
    try (Vault v = Vault.open(restored, TestVaults.PASS)) {
      assertArrayEquals("kept".getBytes(UTF_8), v.get(Store.NOTES, id));
      assertFalse(v.permissionsTightened());
    }
  }

  @Test
  void changePassphrase_keepsTheKeyFileOwnerOnly() throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir)) {
      v.changePassphrase(TestVaults.PASS, "another passphrase".toCharArray());
    }
    assertEquals("rw-------", mode(dir.resolve(Vault.KEY_FILE)));
    assertOwnerOnly(dir, "after a passphrase change");
  }

  @Test
  void looseVault_isTightenedAtOpen_andSaysSo() throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir)) {
      writeAndFlush(v, 50);
    }
    // What an earlier Kith left under umask 022.
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Files.setPosixFilePermissions(
            p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    assertFalse(loose(dir).isEmpty());
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertTrue(v.permissionsTightened(), "the front end must be able to tell the owner");
      assertOwnerOnly(dir, "after opening a loosened vault");
    }
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertFalse(v.permissionsTightened(), "tightened once");
    }
  }

  @Test
  void rocksDbFilesLooseInsideAPrivateFolder_areFixedWithoutANotice() throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir)) {
      writeAndFlush(v, 20);
    }
    // As RocksDB leaves the files it creates during a session under umask 022; db/ itself stays 0700.
    try (Stream<Path> files = Files.list(dir.resolve(Vault.DB_DIR))) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertFalse(v.permissionsTightened(), "others could not reach them: no notice");
      assertOwnerOnly(dir, "after open");
    }
  }

  @Test
  void ownerOnly_underUmask000_inAChildJvm() throws Exception {
    Path dir = tmp.resolve("v");
    Path file = tmp.resolve("child.kithbak");
    Process child =
        ChildJvm.startWithUmask("000", "perms", dir.toString(), new String(TestVaults.PASS), file.toString());
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
      }
    }
    assertTrue(child.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, child.exitValue(), "child output: " + lines);
    assertTrue(lines.contains("UMASK-PROBE rw-rw-rw-"), "the child really ran under umask 000: " + lines);
    assertTrue(lines.contains("DONE"), "child finished: " + lines);
    assertTrue(lines.stream().noneMatch(l -> l.startsWith("LOOSE")), "child saw loose modes: " + lines);
    assertOwnerOnly(dir, "the child's vault");
    assertEquals("rw-------", mode(file), "the child's backup");
  }
}
