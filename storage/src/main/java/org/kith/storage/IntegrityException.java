package org.kith.storage;

import java.util.HexFormat;

/**
 * A stored value failed authentication: its bytes were changed, truncated or moved from another record. Names
 * the store and the record's key (keys hold no plaintext, so the hex is safe to show).
 */
public final class IntegrityException extends VaultException {
  private final Store store;
  private final byte[] recordKey;

  public IntegrityException(Store store, byte[] recordKey, String why) {
    super(
        "vault record damaged: store "
            + store.cfName()
            + ", record "
            + HexFormat.of().formatHex(recordKey)
            + ": "
            + why
            + "; restore from a backup");
    this.store = store;
    this.recordKey = recordKey.clone();
  }

  public Store store() {
    return store;
  }

  public byte[] recordKey() {
    return recordKey.clone();
  }
}
