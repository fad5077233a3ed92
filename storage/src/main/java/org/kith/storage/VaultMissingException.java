package org.kith.storage;

/** Thrown when there is no vault in the directory. */
public class VaultMissingException extends VaultException {
  public VaultMissingException(String message) {
    super(message);
  }

  public VaultMissingException(String message, Throwable cause) {
    super(message, cause);
  }
}
