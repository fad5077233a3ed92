package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultContractTest {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void putGetDelete_roundTrip_andAbsentIsNull() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("v"))) {
      byte[] id = Vault.randomId();
      assertEquals(16, id.length);
      assertNull(v.get(Store.NOTES, id));
      v.put(Store.NOTES, id, b("hello"));
      assertArrayEquals(b("hello"), v.get(Store.NOTES, id));
      assertNull(v.get(Store.VECTORS, id), "stores are separate");
      v.put(Store.NOTES, id, b("again"));
      assertArrayEquals(b("again"), v.get(Store.NOTES, id));
      v.put(Store.NOTES, id, new byte[0]);
      assertArrayEquals(new byte[0], v.get(Store.NOTES, id));
      v.delete(Store.NOTES, id);
      assertNull(v.get(Store.NOTES, id));
      v.delete(Store.NOTES, id); // absent: no error
    }
  }

  @Test
  void batch_isAtomicAcrossStores_andClosedUncommittedWritesNothing() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("v"))) {
      byte[] a = Vault.randomId();
      byte[] c = Vault.randomId();
      v.put(Store.META, c, b("gone soon"));
      try (Batch batch = v.batch()) {
        batch.put(Store.NOTES, a, b("note")).put(Store.VECTORS, a, b("vector")).delete(Store.META, c);
        assertEquals(3, batch.size());
        assertNull(v.get(Store.NOTES, a), "nothing visible before commit");
        batch.commit();
        assertThrows(IllegalStateException.class, batch::commit);
      }
      assertArrayEquals(b("note"), v.get(Store.NOTES, a));
      assertArrayEquals(b("vector"), v.get(Store.VECTORS, a));
      assertNull(v.get(Store.META, c));
      byte[] d = Vault.randomId();
      try (Batch batch = v.batch()) {
        batch.put(Store.NOTES, d, b("never"));
      }
      assertNull(v.get(Store.NOTES, d));
    }
  }

  @Test
  void forEach_visitsDecryptedInKeyOrder_andVisitorExceptionsPropagate() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("v"))) {
      for (int i = 9; i >= 0; i--) {
        v.put(Store.PEERS, new byte[] {(byte) i}, b("peer " + i));
      }
      v.put(Store.INVITES, new byte[] {1}, b("other store"));
      List<String> seen = new ArrayList<>();
      v.forEach(Store.PEERS, (k, val) -> seen.add(k[0] + "=" + new String(val, UTF_8)));
      assertEquals(10, seen.size());
      for (int i = 0; i < 10; i++) {
        assertEquals(i + "=peer " + i, seen.get(i));
      }
      VaultException boom = new VaultException("stop");
      assertEquals(
          boom,
          assertThrows(
              VaultException.class,
              () ->
                  v.forEach(
                      Store.PEERS,
                      (k, val) -> {
                        throw boom;
                      })));
    }
  }

  @Test
  void reopen_keepsData_andWrongPassphraseIsTyped() throws Exception {
    Path dir = tmp.resolve("v");
    byte[] id = Vault.randomId();
    try (Vault v = TestVaults.create(dir)) {
      v.put(Store.IDENTITY, id, b("secret key"));
    }
    assertTrue(Vault.exists(dir));
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertArrayEquals(b("secret key"), v.get(Store.IDENTITY, id));
      assertEquals(dir, v.dir());
    }
    VaultException e =
        assertThrows(WrongPassphraseException.class, () -> Vault.open(dir, "nope".toCharArray()));
    assertTrue(e.getMessage().contains("wrong passphrase"), e.getMessage());
  }

  @Test
  void create_refusesExistingVaultAndNonEmptyFolder() throws Exception {
    Path dir = tmp.resolve("v");
    TestVaults.create(dir).close();
    assertThrows(VaultExistsException.class, () -> TestVaults.create(dir));
    Path other = tmp.resolve("other");
    Files.createDirectories(other);
    Files.writeString(other.resolve("x.txt"), "mine");
    VaultException e = assertThrows(VaultException.class, () -> TestVaults.create(other));
    assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    assertEquals("mine", Files.readString(other.resolve("x.txt")));
  }

  @Test
  void secondOpenInSameProcess_isLocked_andClosedVaultRefusesUse() throws Exception {
    Path dir = tmp.resolve("v");
    Vault v = TestVaults.create(dir);
    assertThrows(VaultLockedException.class, () -> Vault.open(dir, TestVaults.PASS));
    v.close();
    v.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> v.get(Store.NOTES, new byte[] {1}));
    Vault.open(dir, TestVaults.PASS).close();
  }

  @Test
  void changePassphrase_rewrapsOnly() throws Exception {
    Path dir = tmp.resolve("v");
    byte[] id = Vault.randomId();
    char[] newPass = "a new passphrase".toCharArray();
    byte[] dbBefore;
    try (Vault v = TestVaults.create(dir)) {
      v.put(Store.NOTES, id, b("kept"));
      assertThrows(WrongPassphraseException.class, () -> v.changePassphrase("bad".toCharArray(), newPass));
      v.changePassphrase(TestVaults.PASS, newPass);
      assertArrayEquals(b("kept"), v.get(Store.NOTES, id));
    }
    assertThrows(WrongPassphraseException.class, () -> Vault.open(dir, TestVaults.PASS));
    try (Vault v = Vault.open(dir, newPass)) {
      assertArrayEquals(b("kept"), v.get(Store.NOTES, id));
    }
    try (var files = Files.list(dir)) {
      assertFalse(files.anyMatch(p -> p.getFileName().toString().contains(".tmp")), "no temp file left");
    }
  }

  @Test
  void lookupKey_isDeterministicPerVaultAndStore() throws Exception {
    byte[] name = b("/home/ana/notes/garden.md");
    byte[] k1;
    try (Vault v = TestVaults.create(tmp.resolve("a"))) {
      k1 = v.lookupKey(Store.SOURCES, name);
      assertEquals(32, k1.length);
      assertArrayEquals(k1, v.lookupKey(Store.SOURCES, name));
      assertFalse(Arrays.equals(k1, v.lookupKey(Store.NOTES, name)));
      assertFalse(Arrays.equals(k1, v.lookupKey(Store.SOURCES, b("/home/ana/notes/garden.mc"))));
    }
    try (Vault v = Vault.open(tmp.resolve("a"), TestVaults.PASS)) {
      assertArrayEquals(k1, v.lookupKey(Store.SOURCES, name), "stable across reopen");
    }
    try (Vault w = TestVaults.create(tmp.resolve("b"))) {
      assertNotEquals(Arrays.toString(k1), Arrays.toString(w.lookupKey(Store.SOURCES, name)));
    }
  }

  @Test
  void backupRestore_roundTrip_andRefusals() throws Exception {
    Path dir = tmp.resolve("v");
    Path file = tmp.resolve("vault.kithbak");
    byte[] a = Vault.randomId();
    byte[] c = Vault.randomId();
    try (Vault v = TestVaults.create(dir)) {
      v.put(Store.NOTES, a, b("before backup"));
      v.backup(file);
      v.put(Store.NOTES, c, b("after backup"));
      assertThrows(VaultException.class, () -> v.backup(file), "refuses to overwrite");
    }
    Path restored = tmp.resolve("restored");
    Vault.restore(file, restored);
    try (Vault r = Vault.open(restored, TestVaults.PASS)) {
      assertArrayEquals(b("before backup"), r.get(Store.NOTES, a));
      assertNull(r.get(Store.NOTES, c), "snapshot is as of the backup");
    }
    assertThrows(VaultException.class, () -> Vault.restore(file, restored), "target not empty");
    Path empty = tmp.resolve("empty");
    Files.createDirectory(empty);
    Vault.restore(file, empty);
    assertTrue(Vault.exists(empty));
  }

  @Test
  void restore_damagedArchive_failsClearlyAndLeavesNothing() throws Exception {
    Path dir = tmp.resolve("v");
    Path file = tmp.resolve("b.kithbak");
    try (Vault v = TestVaults.create(dir)) {
      for (int i = 0; i < 20; i++) {
        v.put(Store.NOTES, Vault.randomId(), b("note " + i));
      }
      v.backup(file);
    }
    byte[] good = Files.readAllBytes(file);
    // A flipped byte at a spread of positions, and truncation at a spread of lengths.
    for (int pos = 0; pos < good.length; pos += Math.max(1, good.length / 97)) {
      byte[] bad = good.clone();
      bad[pos] ^= 0x20;
      assertRestoreFails(bad, "flip at " + pos);
    }
    for (int len = 0; len < good.length; len += Math.max(1, good.length / 53)) {
      assertRestoreFails(Arrays.copyOf(good, len), "truncated to " + len);
    }
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    assertRestoreFails(longer, "trailing byte");
  }

  private void assertRestoreFails(byte[] archive, String what) throws Exception {
    Path f = Files.createTempFile(tmp, "bad", ".kithbak");
    Files.write(f, archive);
    Path target = tmp.resolve("r-" + f.getFileName());
    BackupCorruptException e =
        assertThrows(BackupCorruptException.class, () -> Vault.restore(f, target), what);
    assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    assertFalse(Files.exists(target), what + ": nothing restored");
    try (var left = Files.list(tmp)) {
      assertFalse(left.anyMatch(p -> p.getFileName().toString().contains(".restore-")), what + ": temp removed");
    }
    Files.delete(f);
  }

  @Test
  void preconditions_sayWhatFailed() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("v"))) {
      assertThrows(IllegalArgumentException.class, () -> v.put(Store.NOTES, new byte[0], b("x")));
      assertThrows(IllegalArgumentException.class, () -> v.put(Store.NOTES, new byte[Vault.MAX_KEY_BYTES + 1], b("x")));
      assertThrows(IllegalArgumentException.class, () -> v.put(Store.NOTES, new byte[] {1}, null));
    }
    assertThrows(IllegalArgumentException.class, () -> TestVaults.create(tmp.resolve("w"), new char[0]));
  }

  @Test
  void userVisibleWrites_areSynced() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("v"))) {
      assertTrue(v.syncWrite().sync(), "put, delete and batch commit must fsync the WAL");
      assertFalse(v.syncWrite().disableWAL());
    }
  }

  @Test
  void storeNames_areTheLowercaseConstants() {
    assertEquals("peer_records", Store.PEER_RECORDS.cfName());
    assertEquals("notes", Store.NOTES.cfName());
    assertEquals(9, Store.values().length);
  }
}
