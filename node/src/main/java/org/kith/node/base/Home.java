package org.kith.node.base;

import java.nio.file.Path;
import java.util.Map;

/**
 * The Kith home folder and what lives in it. Chosen by {@code --home}, else {@code $KITH_HOME}, else
 * {@code ~/.kith}.
 */
public record Home(Path dir) {
  public Home {
    dir = dir.toAbsolutePath().normalize();
  }

  public static Home resolve(Path explicit, Map<String, String> env) {
    if (explicit != null) {
      return new Home(explicit);
    }
    String fromEnv = env.get("KITH_HOME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return new Home(Path.of(fromEnv));
    }
    return new Home(Path.of(System.getProperty("user.home"), ".kith"));
  }

  /** The encrypted vault (spec/VAULT.md). */
  public Path vaultDir() {
    return dir.resolve("vault");
  }

  /** Model files and DJL/ONNX Runtime caches: never the user's home folder. */
  public Path cacheDir() {
    return dir.resolve("cache");
  }
}
