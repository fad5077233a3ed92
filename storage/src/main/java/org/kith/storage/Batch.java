package org.kith.storage;

import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.storage.internal.RocksErrors;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Puts and deletes across stores that land together or not at all. Values are sealed as they are added;
 * {@link #commit()} writes them in one synced RocksDB write batch. Use once, in try-with-resources.
 */
public final class Batch implements AutoCloseable {
  /** A batch is one user action (a note and its vector, an import chunk); anything larger is split by the caller. */
  public static final int MAX_OPS = 100_000;

  public static final long MAX_BYTES = 256L << 20;

  private final Vault vault;
  private final WriteBatch batch = new WriteBatch();
  private final AtomicBoolean closed = new AtomicBoolean();
  private boolean committed;
  private int ops;
  private long bytes;

  Batch(Vault vault) {
    this.vault = vault;
  }

  public Batch put(Store s, byte[] key, byte[] value) throws VaultException {
    assertUsable();
    vault.assertWritable();
    byte[] sealed = vault.seal(s, key, value);
    count(key.length + sealed.length);
    try {
      batch.put(vault.handle(s), key, sealed);
    } catch (RocksDBException e) {
      throw RocksErrors.wrap("building a batch", vault.dir(), e);
    }
    return this;
  }

  public Batch delete(Store s, byte[] key) throws VaultException {
    assertUsable();
    vault.assertWritable();
    Vault.checkKey(key);
    count(key.length);
    try {
      batch.delete(vault.handle(s), key);
    } catch (RocksDBException e) {
      throw RocksErrors.wrap("building a batch", vault.dir(), e);
    }
    return this;
  }

  /** Number of puts and deletes added so far. */
  public int size() {
    return ops;
  }

  /** Writes everything atomically and returns after the WAL is fsynced. A batch commits at most once. */
  public void commit() throws VaultException {
    assertUsable();
    vault.checkOpen();
    vault.assertWritable();
    committed = true;
    try {
      vault.db().write(vault.syncWrite(), batch);
    } catch (RocksDBException e) {
      throw vault.writeFailed("writing a batch", e);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      batch.close();
    }
  }

  private void count(long addBytes) {
    if (ops + 1 > MAX_OPS) {
      throw new IllegalStateException("batch holds more than " + MAX_OPS + " operations; split it");
    }
    if (bytes + addBytes > MAX_BYTES) {
      throw new IllegalStateException("batch holds more than " + MAX_BYTES + " bytes; split it");
    }
    ops++;
    bytes += addBytes;
  }

  private void assertUsable() {
    if (closed.get()) {
      throw new IllegalStateException("batch is closed");
    }
    if (committed) {
      throw new IllegalStateException("batch already committed");
    }
  }
}
