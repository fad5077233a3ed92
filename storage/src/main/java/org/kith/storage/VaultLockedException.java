package org.kith.storage;

/** Thrown when another process (or another open Vault in this one) holds the vault. */
public class VaultLockedException extends VaultException {
  public VaultLockedException(String message) {
    super(message);
  }

  public VaultLockedException(String message, Throwable cause) {
    super(message, cause);
  }
}
