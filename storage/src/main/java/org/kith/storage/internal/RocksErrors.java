package org.kith.storage.internal;

import java.nio.file.Path;
import java.util.Locale;
import org.kith.storage.VaultCorruptException;
import org.kith.storage.VaultException;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Turns RocksDB's native errors into vault exceptions at the boundary (as Teku's RocksDbExceptionUtil does). */
public final class RocksErrors {
  /** What to do about a damaged vault; every corruption message ends with it. */
  public static final String WAY_OUT =
      "restore a backup into a new folder with `kith restore BACKUP --home NEW`, or export what still decrypts"
          + " with `kith vault salvage DIR` (`kith vault check` shows what is damaged)";

  private RocksErrors() {}

  public static VaultException wrap(String doing, Path dir, RocksDBException e) {
    if (isNoSpace(e)) {
      return new VaultException(
          "the disk holding the vault at " + dir + " is full (" + doing + ": " + e.getMessage()
              + "): free some space, then try again",
          e);
    }
    switch (code(e)) {
      case Corruption:
        return new VaultCorruptException(
            "the vault at " + dir + " is damaged (" + doing + ": " + e.getMessage() + "): " + WAY_OUT, e);
      case IOError:
        return new VaultException(
            "disk error while " + doing + " in the vault at " + dir + ": " + e.getMessage()
                + "; check free space and the disk, then try again",
            e);
      default:
        return new VaultException(
            "storage error while " + doing + " in the vault at " + dir + ": " + e.getMessage(), e);
    }
  }

  public static Status.Code code(RocksDBException e) {
    Status s = e.getStatus();
    return s == null ? Status.Code.Undefined : s.getCode();
  }

  /**
   * ENOSPC, as RocksDB reports it: an IOError with sub-code NoSpace; the message is checked too, in case an
   * error reaches Java without its sub-code.
   */
  public static boolean isNoSpace(RocksDBException e) {
    Status s = e.getStatus();
    if (s != null && s.getSubCode() == Status.SubCode.NoSpace) {
      return true;
    }
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return m.contains("no space left on device") || m.contains("nospace");
  }
}
