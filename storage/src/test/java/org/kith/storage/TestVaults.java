package org.kith.storage;

import java.nio.file.Path;
import org.kith.storage.internal.KdfParams;

/** Shared fixtures: cheap Argon2id for tests (the KDF cost is the only thing that differs from production). */
public final class TestVaults {
  public static final KdfParams FAST = new KdfParams(1, 8L << 20);
  public static final char[] PASS = "correct horse battery staple".toCharArray();

  private TestVaults() {}

  public static Vault create(Path dir) throws VaultException {
    return Vault.create(dir, PASS, FAST);
  }

  public static Vault create(Path dir, char[] pass) throws VaultException {
    return Vault.create(dir, pass, FAST);
  }
}
