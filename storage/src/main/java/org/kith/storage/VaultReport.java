package org.kith.storage;

import java.util.List;
import java.util.Objects;

/**
 * What {@link Vault#check} or {@link Vault#salvage} found.
 *
 * @param opensNormally whether {@link Vault#open} would open the database (its logs and MANIFEST pass the strict
 *     checks); when false, the counts come from the most permissive read-only open, as salvage reads it
 * @param problems one line per thing found damaged or wrong, written for the person at the terminal; empty when
 *     all is well. Never contains values or passphrases.
 * @param stores one entry per store, in {@link Store} order
 */
public record VaultReport(boolean opensNormally, List<String> problems, List<StoreReport> stores) {
  /**
   * One store.
   *
   * @param readable entries whose value decrypted and authenticated
   * @param failed entries present whose value did not authenticate (changed, truncated or moved bytes)
   * @param incomplete reading stopped at damage that RocksDB could not read past, so entries may be missing from
   *     both counts
   */
  public record StoreReport(Store store, long readable, long failed, boolean incomplete) {
    public StoreReport {
      Objects.requireNonNull(store, "store");
      if (readable < 0 || failed < 0) {
        throw new IllegalArgumentException("negative count: readable " + readable + ", failed " + failed);
      }
    }
  }

  public VaultReport {
    problems = List.copyOf(problems);
    stores = List.copyOf(stores);
  }

  /** True if nothing is damaged: the database opens normally and every entry of every store reads. */
  public boolean ok() {
    return opensNormally && problems.isEmpty();
  }

  public long readable() {
    return stores.stream().mapToLong(StoreReport::readable).sum();
  }

  public long failed() {
    return stores.stream().mapToLong(StoreReport::failed).sum();
  }
}
