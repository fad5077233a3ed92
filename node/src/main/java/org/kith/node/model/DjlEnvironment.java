package org.kith.node.model;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

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
    if (System.getProperty(ORT_NATIVE_PATH_PROPERTY) == null) {
      Path dir = placeOrtLibraries(abs.resolve("onnxruntime"));
      if (dir != null) {
        System.setProperty(ORT_NATIVE_PATH_PROPERTY, dir.toString());
      }
    }
  }

  /**
   * ONNX Runtime's Java loader reads {@code onnxruntime.native.path}; without it, every process that loads
   * the model copies the 20 MB runtime out of the jar into a fresh {@code /tmp/onnxruntime-java*} folder and
   * leaves the folder behind. With it, the libraries are copied once into Kith's cache and loaded from there
   * (the loader's own temporary folder then stays empty and is removed at exit).
   */
  static final String ORT_NATIVE_PATH_PROPERTY = "onnxruntime.native.path";

  private static final String[] ORT_LIBRARIES = {"onnxruntime", "onnxruntime4j_jni"};

  /** Copies ONNX Runtime's libraries for this platform into {@code root}, once; null when it has none here. */
  static Path placeOrtLibraries(Path root) {
    String platform = ortPlatform();
    if (platform == null) {
      return null; // let ONNX Runtime's loader try its own way (and report what is missing)
    }
    ClassLoader cl = DjlEnvironment.class.getClassLoader();
    String version = ortVersion(cl, platform);
    Path dir = root.resolve(version + "-" + platform);
    try {
      for (String lib : ORT_LIBRARIES) {
        String file = System.mapLibraryName(lib);
        String resource = "ai/onnxruntime/native/" + platform + "/" + file;
        URL url = cl.getResource(resource);
        if (url == null) {
          return null;
        }
        Path target = dir.resolve(file);
        long size = url.openConnection().getContentLengthLong();
        if (Files.isRegularFile(target) && size >= 0 && Files.size(target) == size) {
          continue;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file, ".part");
        try (InputStream in = url.openStream()) {
          Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      return dir;
    } catch (IOException e) {
      return null; // a read-only or full disk: the loader's temporary copy still works
    }
  }

  private static String ortPlatform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String a = arch.equals("amd64") || arch.equals("x86_64") ? "x64"
        : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : null;
    String o = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : null;
    return a == null || o == null ? null : o + "-" + a;
  }

  /**
   * Names the copy after the bundled runtime itself (its jar entry's CRC-32, read without unpacking), so a
   * newer ONNX Runtime never loads an older copy.
   */
  private static String ortVersion(ClassLoader cl, String platform) {
    String resource = "ai/onnxruntime/native/" + platform + "/" + System.mapLibraryName(ORT_LIBRARIES[0]);
    URL url = cl.getResource(resource);
    if (url != null) {
      try {
        if (url.openConnection() instanceof JarURLConnection jar && jar.getJarEntry() != null
            && jar.getJarEntry().getCrc() >= 0) {
          return String.format(Locale.ROOT, "%08x", jar.getJarEntry().getCrc());
        }
      } catch (IOException e) {
        // fall through
      }
    }
    return "unpacked";
  }
}
