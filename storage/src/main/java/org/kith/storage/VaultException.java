package org.kith.storage;

/**
 * A vault operation failed because of the disk, the passphrase, another process or damaged data. The message is
 * written for the person at the terminal: what happened and what to do.
 */
public class VaultException extends Exception {
  public VaultException(String message) {
    super(message);
  }

  public VaultException(String message, Throwable cause) {
    super(message, cause);
  }
}
