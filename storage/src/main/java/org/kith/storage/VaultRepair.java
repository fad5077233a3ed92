package org.kith.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.kith.storage.internal.DiskIo;
import org.kith.storage.internal.FilePerms;
import java.util.HexFormat;
import org.kith.storage.internal.RocksSetup;
import org.kith.storage.internal.SecretBytes;
import org.kith.storage.internal.VaultCrypto;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LiveFileMetaData;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * {@link Vault#check} and {@link Vault#salvage} (spec/VAULT.md section 8.1): read a vault that may be damaged
 * without changing a byte of it.
 *
 * <p>Why one class of this size: check and salvage walk the same damaged database with the same fallbacks
 * (checksums on, backwards, checksums off), and keep them in one place.
 */
final class VaultRepair {
  /** Record keys named per store in a report line; the count says how many more there are. */
  private static final int MAX_KEYS_NAMED = 5;

  private VaultRepair() {}

  static VaultReport check(Path dir, char[] passphrase) throws VaultException {
    try (SecretBytes master = Vault.unlock(dir, passphrase);
        VaultLock lock = VaultLock.acquire(dir);
        SecretBytes valueKey = VaultCrypto.valueKey(master)) {
      List<String> problems = new ArrayList<>();
      permissionProblems(dir, problems);
      Path dbDir = dir.resolve(Vault.DB_DIR);
      if (Files.isRegularFile(dbDir.resolve("CURRENT"))) {
        Optional<VaultReport> strict = strictScan(dbDir, valueKey.bytes(), problems);
        if (strict.isPresent()) {
          return strict.get();
        }
      } else {
        problems.add("the database folder " + dbDir + " has no CURRENT file: a normal open refuses it");
      }
      Path scratch = Path.of(System.getProperty("java.io.tmpdir"));
      // Only reached when a normal open would refuse the database.
      return permissiveScan(dbDir, scratch, valueKey.bytes(), null, problems, false);
    }
  }

  static VaultReport salvage(Path dir, char[] passphrase, Path scratch, SalvageVisitor visitor)
      throws VaultException {
    if (!Files.isDirectory(scratch)) {
      throw new VaultException("the scratch folder " + scratch + " does not exist: nothing was read");
    }
    try (SecretBytes master = Vault.unlock(dir, passphrase);
        VaultLock lock = VaultLock.acquire(dir);
        SecretBytes valueKey = VaultCrypto.valueKey(master)) {
      return permissiveScan(dir.resolve(Vault.DB_DIR), scratch, valueKey.bytes(), visitor, new ArrayList<>(), true);
    }
  }

  private static void permissionProblems(Path dir, List<String> problems) {
    if (!FilePerms.posix(dir)) {
      return;
    }
    List<Path> top = new ArrayList<>();
    top.add(dir);
    try (Stream<Path> list = Files.list(dir)) {
      list.sorted().forEach(top::add);
      for (Path p : top) {
        if (FilePerms.exposed(p)) {
          problems.add(
              p + " is open to other accounts ("
                  + PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))
                  + "): opening the vault sets it to owner-only");
        }
      }
    } catch (IOException e) {
      problems.add("cannot read the permissions in " + dir + ": " + e.getMessage());
    }
  }

  /**
   * Opens the database in place, read-only, with the checks of a normal open and RocksDB logging to memory (no
   * file is written), and reads everything with block checksums on. Empty if a normal open would refuse it; the
   * reason is then in {@code problems}.
   */
  private static Optional<VaultReport> strictScan(Path dbDir, byte[] valueKey, List<String> problems)
      throws VaultException {
    List<Store> present;
    try {
      present = listStores(dbDir, problems);
    } catch (RocksDBException e) {
      problems.add("the database's MANIFEST cannot be read (" + e.getMessage() + "): a normal open refuses it");
      return Optional.empty();
    }
    try (RocksSetup.MemoryLogger log = new RocksSetup.MemoryLogger();
        DBOptions o = RocksSetup.dbOptions(RocksSetup.Mode.STRICT_READ_ONLY, false, log);
        ColumnFamilyOptions cfo = new ColumnFamilyOptions()) {
      List<ColumnFamilyHandle> hs = new ArrayList<>();
      RocksDB db;
      try {
        db = RocksDB.openReadOnly(o, dbDir.toString(), descriptors(present, cfo), hs);
      } catch (RocksDBException e) {
        problems.add("a normal open refuses the database: " + e.getMessage());
        log.lines().forEach(l -> problems.add("RocksDB: " + l));
        return Optional.empty();
      }
      try {
        List<VaultReport.StoreReport> stores = scanAll(db, hs, present, valueKey, null, problems);
        try {
          db.verifyChecksum();
        } catch (RocksDBException e) {
          problems.add("a table file fails its block checksums: " + e.getMessage());
        }
        return Optional.of(new VaultReport(true, problems, stores));
      } finally {
        closeAll(hs, db);
      }
    }
  }

  /**
   * Copies the database folder into a new folder under {@code scratch} and reads the copy with the most
   * permissive read-only recovery. With {@code mustOpen} (salvage) a copy that does not open at all is an
   * exception; otherwise (check) it is a line in the report.
   */
  private static VaultReport permissiveScan(
      Path dbDir, Path scratch, byte[] valueKey, SalvageVisitor visitor, List<String> problems, boolean mustOpen)
      throws VaultException {
    Path copy = null;
    try {
      copy =
          FilePerms.posix(scratch)
              ? Files.createTempDirectory(scratch, "kith-salvage-", PosixFilePermissions.asFileAttribute(FilePerms.DIR))
              : Files.createTempDirectory(scratch, "kith-salvage-");
      Path copyDb = copy.resolve(Vault.DB_DIR);
      FilePerms.createDir(copyDb);
      if (Files.isDirectory(dbDir)) {
        try (Stream<Path> files = Files.list(dbDir)) {
          for (Path p : (Iterable<Path>) files.sorted()::iterator) {
            String name = p.getFileName().toString();
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Vault.isDatabaseFile(name)) {
              Files.copy(p, copyDb.resolve(name));
              FilePerms.restrict(copyDb.resolve(name));
            }
          }
        }
      }
      boolean currentLost = !Files.isRegularFile(copyDb.resolve("CURRENT"));
      if (currentLost) {
        Optional<String> manifest = newestManifest(copyDb);
        if (manifest.isEmpty()) {
          return unreadable(problems, "the database folder holds no MANIFEST file", mustOpen);
        }
        // CURRENT only names the MANIFEST in use; the newest one is the best guess.
        Files.writeString(copyDb.resolve("CURRENT"), manifest.get() + "\n", StandardCharsets.US_ASCII);
        problems.add("the database had no CURRENT file; read with the newest MANIFEST, " + manifest.get());
      }
      // Salvage asks; check only gets here when the answer is no.
      boolean opensNormally = mustOpen && !currentLost && opensStrictly(copyDb);
      List<Store> present;
      try {
        present = listStores(copyDb, problems);
      } catch (RocksDBException e) {
        problems.add("the database's MANIFEST cannot be read (" + e.getMessage() + "); tried every store");
        present = List.of(Store.values());
      }
      RocksDBException last = null;
      for (RocksSetup.Mode mode : List.of(RocksSetup.Mode.SALVAGE, RocksSetup.Mode.SALVAGE_BEST_EFFORTS)) {
        try (RocksSetup.MemoryLogger log = new RocksSetup.MemoryLogger();
            DBOptions o = RocksSetup.dbOptions(mode, false, log);
            ColumnFamilyOptions cfo = new ColumnFamilyOptions()) {
          List<ColumnFamilyHandle> hs = new ArrayList<>();
          RocksDB db;
          try {
            db = RocksDB.openReadOnly(o, copyDb.toString(), descriptors(present, cfo), hs);
          } catch (RocksDBException e) {
            last = e;
            continue;
          }
          try {
            if (mode == RocksSetup.Mode.SALVAGE) {
              // Without paranoid checks RocksDB opens a database whose MANIFEST names a table file that is gone,
              // then cannot read any store that had data in it; best-efforts recovery goes back to the newest
              // state whose files are all there instead.
              List<String> missing = missingTableFiles(db, copyDb);
              if (!missing.isEmpty()) {
                last = new RocksDBException("table files missing: " + String.join(", ", missing));
                continue;
              }
            } else {
              problems.add(
                  "read with RocksDB's best-efforts recovery (" + last.getMessage()
                      + "): the newest writes may be missing");
            }
            log.lines().forEach(l -> problems.add("RocksDB: " + l));
            List<VaultReport.StoreReport> stores = scanAll(db, hs, present, valueKey, visitor, problems);
            return new VaultReport(opensNormally, problems, stores);
          } finally {
            closeAll(hs, db);
          }
        }
      }
      return unreadable(problems, "the database does not open even read-only (" + last.getMessage() + ")", mustOpen);
    } catch (IOException e) {
      throw new VaultException(
          "cannot copy the database of the vault into " + scratch + " to read it: " + e.getMessage()
              + "; nothing was changed in the vault; choose a scratch folder with room for a copy",
          e);
    } finally {
      if (copy != null) {
        DiskIo.deleteTree(copy);
      }
    }
  }

  private static VaultReport unreadable(List<String> problems, String why, boolean mustOpen)
      throws VaultCorruptException {
    if (mustOpen) {
      throw new VaultCorruptException(
          "nothing can be salvaged: " + why + "; restore a backup with `kith restore BACKUP --home NEW`");
    }
    problems.add(why + ": nothing can be salvaged");
    List<VaultReport.StoreReport> none = new ArrayList<>();
    for (Store s : Store.values()) {
      none.add(new VaultReport.StoreReport(s, 0, 0, true));
    }
    return new VaultReport(false, problems, none);
  }

  private static List<String> missingTableFiles(RocksDB db, Path dbDir) {
    List<String> missing = new ArrayList<>();
    for (LiveFileMetaData f : db.getLiveFilesMetaData()) {
      String name = Path.of(f.fileName()).getFileName().toString();
      if (!Files.isRegularFile(dbDir.resolve(name))) {
        missing.add(name);
      }
    }
    return missing;
  }

  private static boolean opensStrictly(Path dbDir) {
    try (RocksSetup.MemoryLogger log = new RocksSetup.MemoryLogger();
        DBOptions o = RocksSetup.dbOptions(RocksSetup.Mode.STRICT_READ_ONLY, false, log);
        ColumnFamilyOptions cfo = new ColumnFamilyOptions()) {
      List<ColumnFamilyHandle> hs = new ArrayList<>();
      List<Store> present = listStores(dbDir, new ArrayList<>());
      RocksDB db = RocksDB.openReadOnly(o, dbDir.toString(), descriptors(present, cfo), hs);
      closeAll(hs, db);
      return true;
    } catch (RocksDBException e) {
      return false;
    }
  }

  private static Optional<String> newestManifest(Path dbDir) throws IOException {
    try (Stream<Path> files = Files.list(dbDir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.matches("MANIFEST-[0-9]{1,20}"))
          .max(Comparator.comparingLong(n -> Long.parseLong(n.substring("MANIFEST-".length()))));
    }
  }

  /** The known stores the database holds, in {@link Store} order; stores of a newer Kith are a problem line. */
  private static List<Store> listStores(Path dbDir, List<String> problems) throws RocksDBException {
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dbDir.toString());
    }
    List<Store> present = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (byte[] name : names) {
      String n = new String(name, StandardCharsets.UTF_8);
      Store s = Vault.storeNamed(n);
      if (s != null) {
        present.add(s);
      } else if (!Arrays.equals(name, RocksDB.DEFAULT_COLUMN_FAMILY)) {
        unknown.add(n);
      }
    }
    if (!unknown.isEmpty()) {
      problems.add("stores this Kith does not know " + unknown + " (written by a newer Kith) were not read");
    }
    present.sort(null);
    return present;
  }

  private static List<ColumnFamilyDescriptor> descriptors(List<Store> stores, ColumnFamilyOptions cfo) {
    List<ColumnFamilyDescriptor> d = new ArrayList<>();
    d.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfo));
    for (Store s : stores) {
      d.add(new ColumnFamilyDescriptor(s.cfName().getBytes(StandardCharsets.UTF_8), cfo));
    }
    return d;
  }

  private static void closeAll(List<ColumnFamilyHandle> hs, RocksDB db) {
    for (int i = hs.size() - 1; i >= 0; i--) {
      hs.get(i).close();
    }
    db.close();
  }

  private static List<VaultReport.StoreReport> scanAll(
      RocksDB db,
      List<ColumnFamilyHandle> hs,
      List<Store> present,
      byte[] valueKey,
      SalvageVisitor visitor,
      List<String> problems)
      throws VaultException {
    List<VaultReport.StoreReport> out = new ArrayList<>();
    for (Store s : Store.values()) {
      int i = present.indexOf(s);
      if (i < 0) {
        problems.add("store " + s.cfName() + " is missing from the database");
        out.add(new VaultReport.StoreReport(s, 0, 0, true));
      } else {
        out.add(scan(db, hs.get(i + 1), s, valueKey, visitor, problems));
      }
    }
    return out;
  }

  /**
   * Reads one store in key order with block checksums on, authenticating every value. If RocksDB stops at a block
   * it cannot read, reads again from the last key backwards down to the damage, then walks the damaged stretch
   * once more with checksums off: whatever there still authenticates is as good as any other entry (the AEAD
   * covers store, key and value), and what does not is counted or lost, never handed over.
   */
  private static VaultReport.StoreReport scan(
      RocksDB db, ColumnFamilyHandle h, Store s, byte[] valueKey, SalvageVisitor visitor, List<String> problems)
      throws VaultException {
    Counts c = new Counts(s, valueKey, visitor);
    byte[] lastForward = null;
    byte[] firstBackward = null;
    String stopped = null;
    try (ReadOptions ro = new ReadOptions().setVerifyChecksums(true).setFillCache(false);
        RocksIterator it = db.newIterator(h, ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        lastForward = it.key();
        c.entry(lastForward, it.value());
      }
      stopped = error(it);
      if (stopped == null) {
        return c.report(false, problems);
      }
      for (it.seekToLast(); it.isValid(); it.prev()) {
        byte[] key = it.key();
        if (lastForward != null && Arrays.compareUnsigned(key, lastForward) <= 0) {
          break;
        }
        firstBackward = key;
        c.entry(key, it.value());
      }
    }
    long before = c.readable;
    String unreadable = null;
    try (ReadOptions ro = new ReadOptions().setVerifyChecksums(false).setFillCache(false);
        RocksIterator it = db.newIterator(h, ro)) {
      if (lastForward == null) {
        it.seekToFirst();
      } else {
        it.seek(lastForward);
      }
      for (; it.isValid(); it.next()) {
        byte[] key = it.key();
        if (lastForward != null && Arrays.compareUnsigned(key, lastForward) <= 0) {
          continue;
        }
        if (firstBackward != null && Arrays.compareUnsigned(key, firstBackward) >= 0) {
          break;
        }
        c.entry(key, it.value());
      }
      unreadable = error(it);
    }
    problems.add(
        "store " + s.cfName() + ": damage RocksDB cannot read past, after key "
            + (lastForward == null ? "(none)" : HexFormat.of().formatHex(lastForward)) + " (" + stopped + "); "
            + (c.readable - before) + " entries in the damaged stretch still authenticate"
            + (unreadable == null ? "" : ", then reading stopped again (" + unreadable + ")")
            + "; entries whose bytes were damaged there are lost");
    return c.report(true, problems);
  }

  private static String error(RocksIterator it) {
    try {
      it.status();
      return null;
    } catch (RocksDBException e) {
      return e.getMessage();
    }
  }

  private static final class Counts {
    final Store store;
    final byte[] valueKey;
    final byte[] cfName;
    final SalvageVisitor visitor;
    final List<String> named = new ArrayList<>();
    long readable;
    long failed;

    Counts(Store store, byte[] valueKey, SalvageVisitor visitor) {
      this.store = store;
      this.valueKey = valueKey;
      this.cfName = store.cfName().getBytes(StandardCharsets.UTF_8);
      this.visitor = visitor;
    }

    VaultReport.StoreReport report(boolean incomplete, List<String> problems) {
      if (failed > 0) {
        problems.add(
            "store " + store.cfName() + ": " + failed + " record(s) fail authentication (" + String.join(", ", named)
                + (failed > named.size() ? ", …" : "") + ")");
      }
      return new VaultReport.StoreReport(store, readable, failed, incomplete);
    }

    void entry(byte[] key, byte[] sealed) throws VaultException {
      byte[] plain = VaultCrypto.open(valueKey, cfName, key, sealed);
      if (plain == null) {
        failed++;
        if (named.size() < MAX_KEYS_NAMED) {
          named.add(HexFormat.of().formatHex(key));
        }
        return;
      }
      readable++;
      if (visitor != null) {
        visitor.visit(store, key, plain);
      }
    }
  }
}
