package org.kith.storage;

/**
 * Thrown by every write ({@code put}, {@code delete}, a batch, {@code changePassphrase}) on a vault that
 * {@link Vault#open} could only open read-only because its disk is full. Reads and {@code backup} still work;
 * nothing was written.
 */
public final class VaultReadOnlyException extends VaultException {
  public VaultReadOnlyException(String message) {
    super(message);
  }
}
