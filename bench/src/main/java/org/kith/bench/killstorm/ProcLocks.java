package org.kith.bench.killstorm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tells from outside whether a process has a vault open, by the locks it holds (Linux {@code /proc/locks}).
 * The vault takes an fcntl lock on {@code vault.lock} after unwrapping the key and before RocksDB opens
 * (spec/VAULT.md section 7), and RocksDB's read-write open then locks {@code db/LOCK} first thing, before it
 * replays the log. A process holding the lock on {@code db/LOCK} has the database itself open: a kill from then on
 * reaches RocksDB. That is the storm's "vault open", independent of how slow the machine is today.
 */
final class ProcLocks {
  private static final Path PROC_LOCKS = Path.of("/proc/locks");

  private ProcLocks() {}

  static boolean available() {
    return Files.isReadable(PROC_LOCKS);
  }

  /** The inode of a file, as /proc/locks names it. */
  static long inode(Path file) throws IOException {
    return ((Number) Files.getAttribute(file, "unix:ino")).longValue();
  }

  /**
   * True if {@code pid} holds a lock on the file with this inode. A line reads
   * {@code 3: POSIX  ADVISORY  WRITE 19898 fe:00:2383964 0 EOF}; a waiter's line has {@code ->} after the number
   * and is not a lock held.
   */
  static boolean holds(long pid, long inode) throws IOException {
    List<String> lines = Files.readAllLines(PROC_LOCKS);
    String pidText = Long.toString(pid);
    String inodeSuffix = ":" + inode;
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 6 || f[1].equals("->")) {
        continue;
      }
      if (f[4].equals(pidText) && f[5].endsWith(inodeSuffix)) {
        return true;
      }
    }
    return false;
  }
}
