package org.kith.node.base;

import java.nio.file.Path;
import java.util.Map;

/**
 * The Kith home folder and what lives in it. Chosen by {@code --home}, else {@code $KITH_HOME}, else
 * {@code $HOME/.kith} (the JVM's {@code user.home} when HOME is unset or blank).
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
    // Java takes user.home from the password database, not $HOME: honour $HOME as a shell user expects.
    String userHome = env.get("HOME");
    if (userHome == null || userHome.isBlank()) {
      userHome = System.getProperty("user.home");
    }
    return new Home(Path.of(userHome, ".kith"));
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
