package org.kith.storage;

/** Thrown when create found a vault already in the directory. */
public class VaultExistsException extends VaultException {
  public VaultExistsException(String message) {
    super(message);
  }

  public VaultExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}
