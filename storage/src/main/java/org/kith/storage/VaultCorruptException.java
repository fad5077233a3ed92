package org.kith.storage;

/** Thrown when the key file or the RocksDB folder is damaged or unreadable. */
public class VaultCorruptException extends VaultException {
  public VaultCorruptException(String message) {
    super(message);
  }

  public VaultCorruptException(String message, Throwable cause) {
    super(message, cause);
  }
}
