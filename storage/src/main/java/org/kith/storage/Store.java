package org.kith.storage;

import java.util.Locale;

/**
 * The stores of a vault. Each is one RocksDB column family whose name is the constant in lower case; the name is
 * part of every value's associated data, so renaming a constant makes its old values unreadable. Add new
 * stores at the end; never rename or remove one (see spec/VAULT.md).
 */
public enum Store {
  IDENTITY,
  NOTES,
  VECTORS,
  META,
  SOURCES,
  OWN_RECORDS,
  PEER_RECORDS,
  PEERS,
  INVITES;

  private final String cfName = name().toLowerCase(Locale.ROOT);

  /** The column family name, e.g. {@code "peer_records"}. */
  public String cfName() {
    return cfName;
  }
}
