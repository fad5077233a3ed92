package org.kith.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kith.storage.internal.KdfParams;
import org.kith.storage.internal.KeyFile;

/**
 * Bytes written by format v1 (backup archive v1, key file v1, sealed value v1, RocksDB's own format) must stay
 * readable: restores the frozen archive into a temp folder, opens it and reads every known value.
 */
class FrozenVaultTest {
  @TempDir Path tmp;

  private Path restoreFrozen() throws Exception {
    Path file = tmp.resolve("frozen.kithbak");
    try (InputStream in = FrozenVaultTest.class.getResourceAsStream(FrozenVaultV1.RESOURCE)) {
      assertNotNull(in, "missing test resource " + FrozenVaultV1.RESOURCE);
      Files.copy(in, file);
    }
    Path dir = tmp.resolve("restored");
    Vault.restore(file, dir);
    return dir;
  }

  @Test
  void v1Vault_stillOpensAndReads() throws Exception {
    Path dir = restoreFrozen();
    KeyFile kf = KeyFile.parse(Files.readAllBytes(dir.resolve(Vault.KEY_FILE)));
    assertEquals(KdfParams.DEFAULT, kf.params(), "frozen with the v1 production parameters");
    try (Vault v = Vault.open(dir, FrozenVaultV1.PASSPHRASE)) {
      assertArrayEquals(FrozenVaultV1.NOTE_1, v.get(Store.NOTES, FrozenVaultV1.NOTE_1_ID));
      assertArrayEquals(FrozenVaultV1.NOTE_2, v.get(Store.NOTES, FrozenVaultV1.NOTE_2_ID));
      assertArrayEquals(FrozenVaultV1.vector(), v.get(Store.VECTORS, FrozenVaultV1.NOTE_1_ID));
      assertArrayEquals(
          FrozenVaultV1.SOURCE_VALUE,
          v.get(Store.SOURCES, v.lookupKey(Store.SOURCES, FrozenVaultV1.SOURCE_NAME)),
          "lookup keys derive the same way");
      assertArrayEquals(FrozenVaultV1.record(), v.get(Store.PEER_RECORDS, FrozenVaultV1.RECORD_ID));
      assertNull(v.get(Store.META, FrozenVaultV1.DELETED_ID));
      List<byte[]> notes = new ArrayList<>();
      v.forEach(Store.NOTES, (k, val) -> notes.add(k));
      assertEquals(2, notes.size());
      assertArrayEquals(FrozenVaultV1.NOTE_1_ID, notes.get(0), "key order");
    }
    assertThrowsWrongPassphrase(dir);
  }

  private static void assertThrowsWrongPassphrase(Path dir) {
    org.junit.jupiter.api.Assertions.assertThrows(
        WrongPassphraseException.class, () -> Vault.open(dir, "kith frozen v2 passphrase".toCharArray()));
  }
}
