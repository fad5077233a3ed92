package org.kith.storage;

import org.kith.storage.internal.KdfParams;

/**
 * How much work and memory Argon2id spends to turn the passphrase into the key that unwraps the vault. The cost is
 * stored in the key file, so a vault opens the same way whichever profile created it.
 */
public enum KdfProfile {
  /** What every real vault uses: Argon2id ops 3, 128 MiB (about 0.2 s on a 2-core laptop). */
  PRODUCTION(KdfParams.DEFAULT),

  /**
   * For test suites that create many vaults: Argon2id ops 1, 8 KiB, libsodium's minimum. A vault created with it
   * falls to a guessing attack in no time: never use it for a vault that holds anything real. A passphrase change
   * raises it to {@link #PRODUCTION}.
   */
  TESTING_ONLY_INSECURE(new KdfParams(KdfParams.MIN_OPS, KdfParams.MIN_MEM_BYTES));

  private final KdfParams params;

  KdfProfile(KdfParams params) {
    this.params = params;
  }

  /** Argon2id passes (t). */
  public long opsLimit() {
    return params.opsLimit();
  }

  /** Argon2id memory in bytes. */
  public long memLimitBytes() {
    return params.memLimitBytes();
  }

  KdfParams params() {
    return params;
  }
}
