package org.kith.sodium;

import com.goterl.lazysodium.LazySodiumJava;
import com.goterl.lazysodium.SodiumJava;
import java.nio.file.Path;

/**
 * The one libsodium binding of Kith. Loads the libsodium bundled in the Lazysodium jar, never one found on the
 * system, so every node runs the same primitives.
 *
 * <p>Lazysodium's own bundled mode unpacks the libraries of every platform into a new folder under
 * {@code java.io.tmpdir} on each start and never removes it. Here only this platform's library is copied out,
 * once, into a cache folder ({@link BundledLibrary}), and Lazysodium is handed its absolute path, which goes
 * straight to JNA without its resource loader.
 *
 * <p>The cache folder is the system property {@value #CACHE_DIR_PROPERTY} if set, else
 * {@code $XDG_CACHE_HOME/kith}, else {@code $HOME/.cache/kith}. The library loads on first use; if it cannot be
 * extracted or loaded, that use throws {@link IllegalStateException} saying what failed and where, and the next
 * use tries again.
 */
public final class Sodium {
  /** Names the cache folder; the node sets it to {@code <kith home>/cache} before touching crypto. */
  public static final String CACHE_DIR_PROPERTY = "kith.cache.dir";

  private record Loaded(Path library, LazySodiumJava lazy, SodiumJava raw) {}

  private static volatile Loaded loaded;

  private Sodium() {}

  /** The shared, thread-safe binding. */
  public static LazySodiumJava lazy() {
    return loaded().lazy;
  }

  /** The raw native calls, for hot paths where Lazysodium's helpers would copy or hex-encode. */
  public static SodiumJava raw() {
    return loaded().raw;
  }

  /** The absolute path of the loaded libsodium, for JNA mappings of their own over the same library. */
  public static Path libraryPath() {
    return loaded().library;
  }

  private static Loaded loaded() {
    Loaded l = loaded;
    return l != null ? l : load();
  }

  private static synchronized Loaded load() {
    if (loaded == null) {
      Path root = BundledLibrary.cacheRoot();
      BundledLibrary.keepJnaOutOfTmpdir(root);
      Path library = BundledLibrary.extract(root);
      SodiumJava raw;
      try {
        raw = new SodiumJava(library.toString());
      } catch (RuntimeException | LinkageError e) {
        // A cache folder on a noexec mount ends here: the copy worked, dlopen did not.
        throw new IllegalStateException("cannot load libsodium from " + library + ": " + e, e);
      }
      loaded = new Loaded(library, new LazySodiumJava(raw), raw);
    }
    return loaded;
  }
}
