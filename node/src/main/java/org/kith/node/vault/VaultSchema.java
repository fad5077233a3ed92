package org.kith.node.vault;

import java.nio.charset.StandardCharsets;
import org.kith.storage.Store;
import org.kith.storage.Vault;

/**
 * Every fixed key and lookup-key name the node uses in the vault (spec/VAULT.md section "Stores"), in one
 * place, so two features can never pick the same one. Values are encoded by the feature that owns them
 * (notes, records, peers, invites); their layouts are in spec/VAULT.md.
 */
public final class VaultSchema {
  private VaultSchema() {}

  /** {@link Store#IDENTITY}: {@code 0x01 || secret key (64) || name (UTF-8)}. */
  public static final byte[] SELF_KEY = {0x01};
  /** {@link Store#META}: the model's name and weights hash that the stored vectors were made with. */
  public static final byte[] MODEL_KEY = {0x01};
  /** {@link Store#META}: where this node listens, {@code host:port}. */
  public static final byte[] LISTEN_KEY = {0x02};
  /** {@link Store#META}: the last record seq signed, so a seq is never reused. */
  public static final byte[] SEQ_KEY = {0x03};
  /** {@link Store#META}: the rooms this node joined, one line each: {@code key-hex host:port name}. */
  public static final byte[] ROOMS_KEY = {0x04};
  /**
   * {@link Store#META}: this node's last signed address record ({@code SignedAddressRecord} bytes), so that a
   * restart never signs a seq again (spec/PROTOCOL.md 12.3).
   */
  public static final byte[] ADDRESSES_KEY = {0x06};

  /** {@link Store#META}, looked up by keyed hash: the note one of our NOTE records was shared from. */
  public static byte[] noteOf(Vault vault, String recordIdHex) {
    return lookup(vault, Store.META, "note-of/" + recordIdHex);
  }

  /** {@link Store#META}, looked up by keyed hash: our sync cursor with a peer. */
  public static byte[] syncCursor(Vault vault, String peerKeyHex) {
    return lookup(vault, Store.META, "sync-cursor/" + peerKeyHex);
  }

  /**
   * {@link Store#SOURCES}, looked up by keyed hash: an imported file by absolute path. Its value lists the file's
   * note ids in passage order, so importing the file again after an edit keeps them (the import source path to
   * note id lookup); neither key nor value holds the path.
   */
  public static byte[] sourceFile(Vault vault, String absolutePath) {
    return lookup(vault, Store.SOURCES, absolutePath);
  }

  /** {@link Store#SOURCES}, looked up by keyed hash: an uploaded file by name (note ids kept per name, as above). */
  public static byte[] sourceUpload(Vault vault, String name) {
    return lookup(vault, Store.SOURCES, "upload:" + name);
  }

  /** The first byte of an inbox entry's key in {@link Store#META}; no other key there is 33 bytes long. */
  public static final byte INBOX_PREFIX = 0x05;

  /**
   * {@link Store#META}: an inbox entry, {@code 0x05 || lookupKey("inbox/" || need record id hex)}: the prefix lets the
   * inbox find its entries by key alone, the keyed hash keeps which need it is out of the key.
   */
  public static byte[] inboxEntry(Vault vault, String needIdHex) {
    byte[] h = lookup(vault, Store.META, "inbox/" + needIdHex);
    byte[] k = new byte[h.length + 1];
    k[0] = INBOX_PREFIX;
    System.arraycopy(h, 0, k, 1, h.length);
    return k;
  }

  /** True for the key of an inbox entry (see {@link #inboxEntry}). */
  public static boolean isInboxKey(byte[] key) {
    return key.length == 33 && key[0] == INBOX_PREFIX;
  }

  private static byte[] lookup(Vault vault, Store s, String name) {
    return vault.lookupKey(s, name.getBytes(StandardCharsets.UTF_8));
  }
}
