package org.kith.storage.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;

/** Durable file writes: data fsynced, renamed into place, and the directory fsynced so the rename sticks. */
public final class DiskIo {
  private DiskIo() {}

  /**
   * Replaces {@code target} with {@code bytes} atomically: readers see the old file or the new, never a mix. The
   * new file is owner-only (0600) from the moment it exists.
   */
  public static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + HexFormat.of().formatHex(VaultCrypto.random(6)));
    try {
      try (FileChannel ch = FilePerms.createFile(tmp)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      fsyncDir(target.toAbsolutePath().getParent());
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** fsync of a directory: how POSIX makes a create or rename inside it durable. */
  public static void fsyncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Deletes a tree; best effort, for cleaning up our own temporary directories. */
  public static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      walk.sorted(java.util.Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // Best effort: a leftover temp directory is harmless and named as ours.
                }
              });
    } catch (IOException ignored) {
      // Same as above.
    }
  }
}
