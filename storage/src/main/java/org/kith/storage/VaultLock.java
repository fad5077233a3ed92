package org.kith.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.storage.internal.FilePerms;

/**
 * The exclusive hold on a vault folder (spec/VAULT.md section 7): an OS lock on {@code vault.lock}, plus an
 * in-process registry of held paths, since POSIX locks cannot tell two opens by one process apart.
 */
final class VaultLock implements AutoCloseable {
  static final String LOCK_FILE = "vault.lock";

  /** Vaults held in this JVM, by real path. */
  private static final Set<Path> HELD_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;
  private final AtomicBoolean closed = new AtomicBoolean();

  private VaultLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  static VaultLock acquire(Path dir) throws VaultException {
    Path key;
    try {
      key = dir.toRealPath();
    } catch (IOException e) {
      throw new VaultException("cannot resolve the vault folder " + dir + ": " + e.getMessage(), e);
    }
    if (!HELD_IN_THIS_JVM.add(key)) {
      throw locked(dir);
    }
    FileChannel ch = null;
    FileLock lock = null;
    try {
      Path file = dir.resolve(LOCK_FILE);
      // The mode only applies if the file is created here; an existing one is tightened by Vault.open.
      FileAttribute<?>[] attrs =
          FilePerms.posix(file)
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FilePerms.FILE)}
              : new FileAttribute<?>[0];
      ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), attrs);
      lock = ch.tryLock();
    } catch (IOException | OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      closeQuietly(ch);
      HELD_IN_THIS_JVM.remove(key);
      throw locked(dir);
    }
    return new VaultLock(key, ch, lock);
  }

  private static VaultLockedException locked(Path dir) {
    return new VaultLockedException(
        "the vault at " + dir + " is in use by another Kith process (is `kith start` running?):"
            + " stop it, or run the command while it runs so it goes through the node");
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // Nothing to add to the error already being reported.
      }
    }
  }

  /** Releases the lock; runs once. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // Closing the channel releases the lock in any case.
    } finally {
      HELD_IN_THIS_JVM.remove(key);
    }
  }
}
