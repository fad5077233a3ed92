package org.kith.storage.internal;

import com.goterl.lazysodium.LazySodiumJava;
import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.utils.LibraryLoader;

/**
 * The one libsodium binding of the storage module. Loads the libsodium bundled in the Lazysodium jar, never
 * one found on the system, so every node runs the same primitives.
 */
public final class Sodium {
  private static final LazySodiumJava LAZY =
      new LazySodiumJava(new SodiumJava(LibraryLoader.Mode.BUNDLED_ONLY));

  private Sodium() {}

  /** The shared, thread-safe binding. */
  public static LazySodiumJava lazy() {
    return LAZY;
  }

  /** The raw native calls, for hot paths where Lazysodium's helpers would copy or hex-encode. */
  public static SodiumJava raw() {
    return LAZY.getSodium();
  }
}
