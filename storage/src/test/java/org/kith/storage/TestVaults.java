package org.kith.storage;

import java.nio.file.Path;

/**
 * Shared fixtures: vaults created with {@link KdfProfile#TESTING_ONLY_INSECURE} (the KDF cost is the only thing
 * that differs from production).
 */
public final class TestVaults {
  public static final char[] PASS = "correct horse battery staple".toCharArray();

  private TestVaults() {}

  public static Vault create(Path dir) throws VaultException {
    return Vault.create(dir, PASS, KdfProfile.TESTING_ONLY_INSECURE);
  }

  public static Vault create(Path dir, char[] pass) throws VaultException {
    return Vault.create(dir, pass, KdfProfile.TESTING_ONLY_INSECURE);
  }
}
