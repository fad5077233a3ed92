package org.kith.storage;

/** Thrown by {@link Vault#restore} when the backup file is truncated, altered or not a Kith backup. */
public final class BackupCorruptException extends VaultCorruptException {
  public BackupCorruptException(String message) {
    super(message);
  }

  public BackupCorruptException(String message, Throwable cause) {
    super(message, cause);
  }
}
