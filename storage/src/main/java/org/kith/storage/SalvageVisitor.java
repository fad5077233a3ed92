package org.kith.storage;

/** Receives every entry {@link Vault#salvage} could read and authenticate, store by store. */
@FunctionalInterface
public interface SalvageVisitor {
  void visit(Store store, byte[] key, byte[] value) throws VaultException;
}
