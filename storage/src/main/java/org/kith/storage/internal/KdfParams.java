package org.kith.storage.internal;

/**
 * Argon2id cost parameters, stored in the key file so they can be raised later without breaking old vaults.
 * Bounds protect the unlock from a key file that asks for absurd work.
 */
public record KdfParams(long opsLimit, long memLimitBytes) {
  public static final long MIN_OPS = 1;
  public static final long MAX_OPS = 64;
  public static final long MIN_MEM_BYTES = 8L * 1024;
  public static final long MAX_MEM_BYTES = 4L << 30;

  /**
   * The default for new vaults: about 0.2 s on the 2-core development machine (measured: ops 3, 128 MiB =
   * 200 ms; 64 MiB = 86 ms), well under the one-second unlock budget and above libsodium's INTERACTIVE level.
   */
  public static final KdfParams DEFAULT = new KdfParams(3, 128L << 20);

  /**
   * The stronger of the two in each parameter: a passphrase change wraps with this against {@link #DEFAULT}, so it
   * never lowers the cost and raises a vault made with test or older parameters to the current default.
   */
  public KdfParams atLeast(KdfParams floor) {
    return new KdfParams(Math.max(opsLimit, floor.opsLimit), Math.max(memLimitBytes, floor.memLimitBytes));
  }

  public KdfParams {
    if (opsLimit < MIN_OPS || opsLimit > MAX_OPS) {
      throw new IllegalArgumentException("opsLimit out of [" + MIN_OPS + ", " + MAX_OPS + "]: " + opsLimit);
    }
    if (memLimitBytes < MIN_MEM_BYTES || memLimitBytes > MAX_MEM_BYTES) {
      throw new IllegalArgumentException(
          "memLimitBytes out of [" + MIN_MEM_BYTES + ", " + MAX_MEM_BYTES + "]: " + memLimitBytes);
    }
  }
}
