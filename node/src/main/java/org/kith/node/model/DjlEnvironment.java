package org.kith.node.model;

import java.nio.file.Path;

/**
 * Puts DJL into offline, no-telemetry mode with its caches inside Kith's home. Must run before any DJL class
 * is used, so this class itself touches none.
 *
 * <p>What DJL 0.38 reads, from {@code ai.djl.util.Utils} and {@code Ec2Utils}: {@code DJL_CACHE_DIR},
 * {@code ENGINE_CACHE_DIR} and {@code OPT_OUT_TRACKING} through {@code getEnvOrSystemProperty} (the
 * environment variable wins, then the system property); offline mode from the environment variable {@code
 * DJL_OFFLINE}, else the system property {@code ai.djl.offline}. Both are read at each use, not cached. So a
 * system property cannot override an environment variable: {@link MiniLmEmbedder#load} therefore checks
 * {@code Utils.isOfflineMode()} after this and refuses to run when the environment turned it off.
 *
 * <p>System properties are process-wide: the last {@code cacheDir} configured wins for the whole JVM.
 *
 * <p>DJL also warns on every start of a machine without a GPU ("Failed to detect GPU count", "CUDA is not
 * supported"). Success is quiet, so unless the user configured DJL's log level, slf4j-simple is told to show
 * only DJL's errors; slf4j-simple reads a logger's level when the logger is created, which is after this.
 */
final class DjlEnvironment {
  static final String OFFLINE_PROPERTY = "ai.djl.offline";
  static final String TRACKING_PROPERTY = "OPT_OUT_TRACKING";
  static final String CACHE_PROPERTY = "DJL_CACHE_DIR";
  static final String ENGINE_CACHE_PROPERTY = "ENGINE_CACHE_DIR";
  static final String DJL_LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.log.ai.djl";

  private DjlEnvironment() {}

  static synchronized void configure(Path cacheDir) {
    Path abs = cacheDir.toAbsolutePath().normalize();
    System.setProperty(OFFLINE_PROPERTY, "true");
    System.setProperty(TRACKING_PROPERTY, "true");
    System.setProperty(CACHE_PROPERTY, abs.resolve("djl").toString());
    System.setProperty(ENGINE_CACHE_PROPERTY, abs.resolve("djl-engine").toString());
    if (System.getProperty(DJL_LOG_LEVEL_PROPERTY) == null) {
      System.setProperty(DJL_LOG_LEVEL_PROPERTY, "error");
    }
  }
}
