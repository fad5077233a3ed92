package org.kith.storage.internal;

import java.nio.file.Path;
import org.kith.storage.VaultCorruptException;
import org.kith.storage.VaultException;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Turns RocksDB's native errors into vault exceptions at the boundary (as Teku's RocksDbExceptionUtil does). */
public final class RocksErrors {
  private RocksErrors() {}

  public static VaultException wrap(String doing, Path dir, RocksDBException e) {
    Status s = e.getStatus();
    Status.Code code = s == null ? Status.Code.Undefined : s.getCode();
    switch (code) {
      case Corruption:
        return new VaultCorruptException(
            "the vault at " + dir + " is damaged (" + doing + ": " + e.getMessage()
                + "); restore it from a backup with `kith restore`",
            e);
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
}
