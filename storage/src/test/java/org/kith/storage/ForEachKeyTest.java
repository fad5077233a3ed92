package org.kith.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForEachKeyTest {
  @TempDir Path tmp;

  @Test
  void forEachKey_visitsTheSameKeysAsForEach_inOrder_withoutDecrypting() throws Exception {
    Path dir = tmp.resolve("v");
    try (Vault v = TestVaults.create(dir)) {
      for (int i = 0; i < 50; i++) {
        v.put(Store.NOTES, Vault.randomId(), ("value " + i).getBytes());
      }
      v.put(Store.PEERS, Vault.randomId(), "other store".getBytes());
      List<byte[]> viaValues = new ArrayList<>();
      v.forEach(Store.NOTES, (k, val) -> viaValues.add(k));
      List<byte[]> viaKeys = new ArrayList<>();
      v.forEachKey(Store.NOTES, viaKeys::add);
      assertEquals(50, viaKeys.size());
      for (int i = 0; i < viaKeys.size(); i++) {
        assertArrayEquals(viaValues.get(i), viaKeys.get(i));
      }
      assertEquals(50, countKeys(v));
    }
  }

  static int countKeys(Vault v) throws VaultException {
    int[] n = {0};
    v.forEachKey(Store.NOTES, k -> n[0]++);
    return n[0];
  }

  @Test
  void forEachKey_onAnEmptyStore_visitsNothing() throws Exception {
    try (Vault v = TestVaults.create(tmp.resolve("e"))) {
      assertEquals(0, countKeys(v));
      v.forEachKey(Store.INVITES, k -> {
        throw new AssertionError("visited " + Arrays.toString(k));
      });
    }
  }
}
