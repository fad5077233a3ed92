package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kith.storage.internal.KdfParams;
import org.kith.storage.internal.KeyFile;

/** Which Argon2id cost a vault's key file holds (spec/VAULT.md sections 3.1, 3.2 and 3.4). */
class KdfProfileTest {
  private static final long MIB = 1L << 20;

  @TempDir Path tmp;

  /** opslimit at offset 12 (u32 BE) and memlimit at offset 16 (u64 BE), read from the bytes, not through KeyFile. */
  private static long[] paramsOnDisk(Path dir) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(Vault.KEY_FILE)));
    return new long[] {b.getInt(12) & 0xffffffffL, b.getLong(16)};
  }

  @Test
  void defaultCreate_usesTheProductionCost() throws Exception {
    Path dir = tmp.resolve("v");
    Vault.create(dir, TestVaults.PASS).close();
    assertArrayEquals(new long[] {3, 128 * MIB}, paramsOnDisk(dir));
    assertEquals(KdfParams.DEFAULT, KeyFile.parse(Files.readAllBytes(dir.resolve(Vault.KEY_FILE))).params());
    assertEquals(3, KdfProfile.PRODUCTION.opsLimit());
    assertEquals(128 * MIB, KdfProfile.PRODUCTION.memLimitBytes());
    Vault.open(dir, TestVaults.PASS).close();
  }

  @Test
  void testingProfile_isLibsodiumsMinimum_andOpensLikeAnyVault() throws Exception {
    Path dir = tmp.resolve("v");
    byte[] id = Vault.randomId();
    try (Vault v = Vault.create(dir, TestVaults.PASS, KdfProfile.TESTING_ONLY_INSECURE)) {
      v.put(Store.NOTES, id, "cheap to unlock".getBytes(UTF_8));
    }
    // crypto_pwhash_argon2id_OPSLIMIT_MIN = 1, crypto_pwhash_argon2id_MEMLIMIT_MIN = 8192 (libsodium's
    // crypto_pwhash_argon2id.h); creating and opening proves libsodium accepts them.
    assertArrayEquals(new long[] {1, 8192}, paramsOnDisk(dir));
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      assertArrayEquals("cheap to unlock".getBytes(UTF_8), v.get(Store.NOTES, id));
    }
    assertEquals(WrongPassphraseException.class, openError(dir, "not it"));
  }

  private static Class<?> openError(Path dir, String pass) {
    try {
      Vault.open(dir, pass.toCharArray()).close();
      return null;
    } catch (VaultException e) {
      return e.getClass();
    }
  }

  @Test
  void changePassphrase_raisesATestVaultToTheProductionCost() throws Exception {
    Path dir = tmp.resolve("v");
    char[] next = "the real passphrase now".toCharArray();
    try (Vault v = Vault.create(dir, TestVaults.PASS, KdfProfile.TESTING_ONLY_INSECURE)) {
      v.changePassphrase(TestVaults.PASS, next);
    }
    assertArrayEquals(new long[] {3, 128 * MIB}, paramsOnDisk(dir));
    Vault.open(dir, next).close();
  }

  @Test
  void changePassphrase_neverLowersEitherParameter() throws Exception {
    Path dir = tmp.resolve("v");
    char[] next = "another passphrase".toCharArray();
    try (Vault v = Vault.create(dir, TestVaults.PASS, new KdfParams(5, 8 * MIB))) {
      v.changePassphrase(TestVaults.PASS, next);
    }
    assertArrayEquals(new long[] {5, 128 * MIB}, paramsOnDisk(dir), "more passes kept, memory raised");
    try (Vault v = Vault.open(dir, next)) {
      v.changePassphrase(next, TestVaults.PASS);
    }
    assertArrayEquals(new long[] {5, 128 * MIB}, paramsOnDisk(dir), "a production vault keeps its cost");
  }
}
