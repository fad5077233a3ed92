package org.kith.storage;

/** Thrown when the passphrase does not unwrap the vault's master key; nothing was changed. */
public class WrongPassphraseException extends VaultException {
  public WrongPassphraseException(String message) {
    super(message);
  }

  public WrongPassphraseException(String message, Throwable cause) {
    super(message, cause);
  }
}
