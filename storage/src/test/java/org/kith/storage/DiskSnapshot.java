package org.kith.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.HexFormat;

/**
 * Every file and folder under a root: name, size, SHA-256, mtime and mode. Equal snapshots taken before and after
 * an operation mean it created, deleted, rewrote and touched nothing.
 */
final class DiskSnapshot {
  private DiskSnapshot() {}

  static Map<String, String> of(Path root) throws Exception {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        String what =
            Files.isRegularFile(p)
                ? Files.size(p) + " bytes sha256 " + HexFormat.of().formatHex(sha256(Files.readAllBytes(p)))
                : "dir";
        m.put(root.relativize(p).toString(), what + " " + mode + " mtime " + Files.getLastModifiedTime(p));
      }
    }
    return m;
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  static void assertUnchanged(Map<String, String> before, Path root, String what) throws Exception {
    assertEquals(before, of(root), what + " must not create, delete, rewrite or touch any file");
  }
}
