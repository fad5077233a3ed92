package org.kith.storage;

/** Receives the decrypted entries of a store, in key order. */
@FunctionalInterface
public interface EntryVisitor {
  void visit(byte[] key, byte[] value) throws VaultException;
}
