package org.kith.sodium;

import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.utils.LibraryLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

/**
 * Copies the libsodium bundled in the Lazysodium jar for this platform, and only that one, into
 * {@code <cache>/sodium/<sha256 prefix>-<os>-<arch>/}. The folder is named by the library's content, so two
 * Lazysodium versions never share a file and a running process never sees its library replaced by an upgrade.
 * Concurrent processes are safe: each writes a temporary file in the same folder and renames it into place
 * atomically, and a file already there is used only if it holds exactly the bundled bytes.
 */
final class BundledLibrary {
  /** Hex digits of SHA-256 in the folder name: enough to tell library builds apart, short enough to read. */
  private static final int HASH_HEX_CHARS = 16;

  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  private BundledLibrary() {}

  /** {@code kith.cache.dir}, else {@code $XDG_CACHE_HOME/kith}, else {@code $HOME/.cache/kith}; absolute. */
  static Path cacheRoot() {
    String configured = System.getProperty(Sodium.CACHE_DIR_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath();
    }
    // The XDG Base Directory spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, "kith");
    }
    String home = System.getenv("HOME");
    if (home == null || home.isBlank()) {
      home = System.getProperty("user.home");
    }
    if (home == null || home.isBlank()) {
      throw new IllegalStateException("no folder for the libsodium cache: set -D" + Sodium.CACHE_DIR_PROPERTY
          + ", XDG_CACHE_HOME or HOME");
    }
    return Path.of(home, ".cache", "kith").toAbsolutePath();
  }

  /**
   * JNA unpacks its own dispatch library before loading anything, into {@code java.io.tmpdir} on Windows and
   * {@code ~/.cache/JNA} on Linux, and deletes the file once loaded. Unless someone chose a folder already, it
   * goes to {@code <cache>/jna}, created owner-only. Only has an effect before JNA's {@code Native} class
   * initializes, which is why {@link Sodium} calls this first.
   */
  static void keepJnaOutOfTmpdir(Path cacheRoot) {
    if (System.getProperty("jna.tmpdir") != null) {
      return;
    }
    Path dir = cacheRoot.resolve("jna");
    try {
      Files.createDirectories(dir, ownerOnly(cacheRoot));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot create the folder JNA unpacks into, " + dir + ": " + e, e);
    }
    System.setProperty("jna.tmpdir", dir.toString());
  }

  /** The absolute path of this platform's libsodium under {@code cacheRoot}, extracted if not there yet. */
  static Path extract(Path cacheRoot) {
    String resource;
    try {
      // Lazysodium's own choice for this platform, e.g. "linux64/libsodium.so"; this call only computes the
      // name, but it asks JNA for the pointer size, so JNA loads its dispatch library here.
      resource = LibraryLoader.getSodiumPathInResources();
    } catch (LinkageError e) {
      throw new IllegalStateException(
          "cannot load JNA (it unpacks into " + System.getProperty("jna.tmpdir") + "): " + e, e);
    }
    byte[] bytes = bundledBytes(resource);
    String hash = HexFormat.of().formatHex(sha256(bytes)).substring(0, HASH_HEX_CHARS);
    Path dir = cacheRoot.resolve("sodium").resolve(hash + "-" + os() + "-" + arch());
    Path library = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
    try {
      if (holds(library, bytes)) {
        return library;
      }
      FileAttribute<?>[] ownerOnly = ownerOnly(cacheRoot);
      Files.createDirectories(dir, ownerOnly);
      Path tmp = Files.createTempFile(dir, library.getFileName() + ".", ".tmp", ownerOnly);
      try {
        Files.write(tmp, bytes);
        try {
          Files.move(tmp, library, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          // Windows will not replace a library another process has loaded; if that one is right, use it.
          if (!holds(library, bytes)) {
            throw e;
          }
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      return library;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot extract the bundled libsodium (" + resource + ") into " + dir + ": " + e, e);
    }
  }

  private static FileAttribute<?>[] ownerOnly(Path where) {
    return where.getFileSystem().supportedFileAttributeViews().contains("posix")
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
        : new FileAttribute<?>[0];
  }

  private static boolean holds(Path library, byte[] bytes) throws IOException {
    return Files.isRegularFile(library)
        && Files.size(library) == bytes.length
        && Arrays.equals(Files.readAllBytes(library), bytes);
  }

  private static byte[] bundledBytes(String resource) {
    try (InputStream in = SodiumJava.class.getResourceAsStream("/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("no " + resource + " in the Lazysodium jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource + " from the Lazysodium jar: " + e, e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static String os() {
    String name = System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT);
    for (String known : new String[] {"linux", "mac", "windows"}) {
      if (name.startsWith(known)) {
        return known;
      }
    }
    return name.replaceAll("[^a-z0-9]", "");
  }

  private static String arch() {
    return System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "");
  }
}
