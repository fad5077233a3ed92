package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kith.storage.internal.VaultCrypto;
import org.rocksdb.RocksDBException;

/**
 * Sealed values changed under the vault (written to RocksDB directly): every flipped bit, every truncation and every
 * move to another key or store must raise IntegrityException naming the store and record, never return bytes.
 */
class SealedValueTamperTest {
  @TempDir Path tmp;

  private static final byte[] NOTE = "a note about the allotment gate code".getBytes(UTF_8);

  private byte[] raw(Vault v, Store s, byte[] key) throws RocksDBException {
    return v.db().get(v.handle(s), key);
  }

  private void rawPut(Vault v, Store s, byte[] key, byte[] value) throws RocksDBException {
    v.db().put(v.handle(s), key, value);
  }

  private static void assertIntegrityFailure(Vault v, Store s, byte[] key, String what) {
    IntegrityException e = assertThrows(IntegrityException.class, () -> v.get(s, key), what);
    assertEquals(s, e.store(), what);
    assertArrayEquals(key, e.recordKey(), what);
    assertTrue(e.getMessage().contains("store " + s.cfName()), e.getMessage());
    assertTrue(e.getMessage().contains("record " + HexFormat.of().formatHex(key)), e.getMessage());
    assertTrue(e.getMessage().contains("restore from a backup"), e.getMessage());
  }

  @Test
  void everyBitFlip_isAnIntegrityError() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("v"))) {
      byte[] key = Vault.randomId();
      v.put(Store.NOTES, key, NOTE);
      byte[] sealed = raw(v, Store.NOTES, key);
      assertEquals(NOTE.length + VaultCrypto.VALUE_OVERHEAD, sealed.length);
      for (int bit = 0; bit < sealed.length * 8; bit++) {
        byte[] bad = sealed.clone();
        bad[bit / 8] ^= (byte) (1 << (bit % 8));
        rawPut(v, Store.NOTES, key, bad);
        assertIntegrityFailure(v, Store.NOTES, key, "bit " + bit);
      }
      rawPut(v, Store.NOTES, key, sealed);
      assertArrayEquals(NOTE, v.get(Store.NOTES, key), "the untouched value still opens");
    }
  }

  @Test
  void everyTruncationAndExtension_isAnIntegrityError() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("v"))) {
      byte[] key = Vault.randomId();
      v.put(Store.NOTES, key, NOTE);
      byte[] sealed = raw(v, Store.NOTES, key);
      for (int len = 0; len < sealed.length; len++) {
        rawPut(v, Store.NOTES, key, Arrays.copyOf(sealed, len));
        assertIntegrityFailure(v, Store.NOTES, key, "truncated to " + len);
      }
      rawPut(v, Store.NOTES, key, Arrays.copyOf(sealed, sealed.length + 1));
      assertIntegrityFailure(v, Store.NOTES, key, "one byte appended");
    }
  }

  @Test
  void movedToAnotherKeyOrStore_isAnIntegrityError() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("v"))) {
      byte[] key = Vault.randomId();
      v.put(Store.NOTES, key, NOTE);
      byte[] sealed = raw(v, Store.NOTES, key);
      byte[] otherKey = Vault.randomId();
      rawPut(v, Store.NOTES, otherKey, sealed);
      assertIntegrityFailure(v, Store.NOTES, otherKey, "moved to another key");
      for (Store s : Store.values()) {
        if (s != Store.NOTES) {
          rawPut(v, s, key, sealed);
          assertIntegrityFailure(v, s, key, "moved to store " + s);
        }
      }
      assertArrayEquals(NOTE, v.get(Store.NOTES, key));
    }
  }

  @Test
  void forEach_stopsAtTheDamagedRecord() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("v"))) {
      byte[] k1 = {1};
      byte[] k2 = {2};
      v.put(Store.NOTES, k1, NOTE);
      v.put(Store.NOTES, k2, NOTE);
      byte[] bad = raw(v, Store.NOTES, k2);
      bad[bad.length - 1] ^= 1;
      rawPut(v, Store.NOTES, k2, bad);
      IntegrityException e =
          assertThrows(IntegrityException.class, () -> v.forEach(Store.NOTES, (k, val) -> {}));
      assertArrayEquals(k2, e.recordKey());
    }
  }

  @Test
  void valueFromAnotherVault_isAnIntegrityError() throws Exception {
    byte[] key = Vault.randomId();
    byte[] sealed;
    try (Vault a = TestVaults.create(tmp.resolve("a"))) {
      a.put(Store.NOTES, key, NOTE);
      sealed = raw(a, Store.NOTES, key);
    }
    try (Vault b = TestVaults.create(tmp.resolve("b"))) {
      rawPut(b, Store.NOTES, key, sealed);
      assertIntegrityFailure(b, Store.NOTES, key, "sealed under another vault's key");
    }
  }
}
