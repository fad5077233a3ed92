package org.kith.storage;

import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * For the node's tests: makes every read-write open of a vault in this JVM fail as it does on a full disk (RocksDB's
 * IOError with sub-code NoSpace), through the storage module's test seam {@code Vault.readWriteOpenFaultForTest},
 * so that the read-only fallback (spec/VAULT.md section 4.3) can be driven through the CLI without filling a disk.
 * It lives in the storage package because the seam is package-private: production code cannot reach it.
 */
public final class FullDiskFault implements AutoCloseable {
  private FullDiskFault() {}

  /** Installs the fault until {@link #close()}. */
  public static FullDiskFault install() {
    Vault.readWriteOpenFaultForTest = new RocksDBException(
        "IO error: No space left on device: While appending to file: db/MANIFEST-000099",
        new Status(Status.Code.IOError, Status.SubCode.NoSpace, "No space left on device"));
    return new FullDiskFault();
  }

  @Override
  public void close() {
    Vault.readWriteOpenFaultForTest = null;
  }
}
