package org.kith.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.kith.storage.internal.BackupArchive;
import org.kith.storage.internal.DiskIo;
import org.kith.storage.internal.FilePerms;
import org.kith.storage.internal.KdfParams;
import org.kith.storage.internal.KeyFile;
import org.kith.storage.internal.RocksErrors;
import org.kith.storage.internal.RocksSetup;
import org.kith.storage.internal.SecretBytes;
import org.kith.storage.internal.VaultCrypto;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteOptions;

/**
 * A person's encrypted vault: RocksDB with one column family per {@link Store}, every value sealed with
 * XChaCha20-Poly1305 under a key derived from a random master key, which is itself wrapped by Argon2id over the
 * passphrase. The on-disk format is spec/VAULT.md.
 *
 * <p>Thread-safe for get/put/delete/batch/forEach; {@link #close()} must not race with other calls.
 *
 * <p>Why one class of this size: it is the storage module's whole public surface and the one owner of the
 * RocksDB handle, its options and its lifetime; opening (strict WAL check, read-only fallback, permissions),
 * the sealed reads and writes, backup and restore all share that handle and its lock. Crypto, key files,
 * backups and repair live in their own classes; what stays here is what must see the open database.
 */
public final class Vault implements AutoCloseable {
  static final String KEY_FILE = "vault.key";
  static final String DB_DIR = "db";
  static final String LOCK_FILE = VaultLock.LOCK_FILE;

  /** Keys are ids or hashes; anything longer is a bug in the caller. */
  public static final int MAX_KEY_BYTES = 1024;

  /** Values are notes, vectors and records; a value this large is a bug or an attack. */
  public static final int MAX_VALUE_BYTES = 64 << 20;

  /** The key file is 112 bytes; refuse to read anything much larger into memory. */
  private static final long MAX_KEY_FILE_BYTES = 4096;

  static {
    RocksDB.loadLibrary();
  }

  /**
   * Test seam, never set in production: when non-null, the read-write RocksDB open throws this instead of opening,
   * as it does on a full disk, so the read-only fallback can be tested without filling one.
   */
  static volatile RocksDBException readWriteOpenFaultForTest;

  private final Path dir;
  private final VaultLock lock;
  private final SecretBytes master;
  private final SecretBytes valueKey;
  private final EnumMap<Store, SecretBytes> lookupKeys = new EnumMap<>(Store.class);
  private final EnumMap<Store, byte[]> cfNameBytes = new EnumMap<>(Store.class);
  private final ColumnFamilyOptions cfOptions;
  private final WriteOptions syncWrite;
  private final RocksSetup.TightenAfterFlush tightener;
  private DBOptions dbOptions;
  private RocksSetup.MemoryLogger memoryLogger;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> allHandles;
  private final EnumMap<Store, ColumnFamilyHandle> handles = new EnumMap<>(Store.class);
  /** Opened with RocksDB.openReadOnly (the full-disk fallback); then backup packs the files as they are. */
  private final boolean openedReadOnly;
  /** Why writes are off (RocksDB's ENOSPC message), or null while they work. */
  private volatile String readOnlyReason;
  private final boolean permissionsTightened;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Vault(Path dir, VaultLock lock, SecretBytes master, boolean create) throws VaultException {
    this.dir = dir;
    this.lock = lock;
    this.master = master;
    this.valueKey = VaultCrypto.valueKey(master);
    for (Store s : Store.values()) {
      lookupKeys.put(s, VaultCrypto.lookupStoreKey(master, s.cfName()));
      cfNameBytes.put(s, s.cfName().getBytes(StandardCharsets.UTF_8));
    }
    Path dbDir = dir.resolve(DB_DIR);
    this.cfOptions = new ColumnFamilyOptions();
    // Every user-visible write is fsynced to the WAL before put/commit returns.
    this.syncWrite = new WriteOptions().setSync(true);
    this.tightener = new RocksSetup.TightenAfterFlush(dbDir);
    List<ColumnFamilyHandle> out = new ArrayList<>();
    RocksDB opened = null;
    boolean ro = false;
    String roReason = null;
    boolean tightened = false;
    List<Store> present = List.of(Store.values());
    try {
      if (create) {
        if (!Files.isDirectory(dbDir)) {
          FilePerms.createDir(dbDir);
        }
      } else {
        tightened = tightenVaultFolder(dir);
        present = presentStores(dbDir);
        verifyBeforeOpen(dbDir, present);
      }
      try {
        RocksDBException fault = readWriteOpenFaultForTest;
        if (fault != null) {
          throw fault;
        }
        dbOptions = RocksSetup.dbOptions(RocksSetup.Mode.READ_WRITE, create, null);
        dbOptions.setListeners(List.of(tightener));
        opened = RocksDB.open(dbOptions, dbDir.toString(), descriptors(List.of(Store.values())), out);
        present = List.of(Store.values());
      } catch (RocksDBException e) {
        if (create || !RocksErrors.isNoSpace(e)) {
          throw e;
        }
        // RocksDB writes at every open (a new MANIFEST, WAL and OPTIONS file), so a full disk would lock the owner
        // out of their own data; a read-only open writes nothing (section 4.3).
        closeOptions();
        out.clear();
        memoryLogger = new RocksSetup.MemoryLogger();
        dbOptions = RocksSetup.dbOptions(RocksSetup.Mode.STRICT_READ_ONLY, false, memoryLogger);
        opened = RocksDB.openReadOnly(dbOptions, dbDir.toString(), descriptors(present), out);
        ro = true;
        roReason = e.getMessage();
      }
      // RocksDB created a MANIFEST, a WAL, an OPTIONS file and a LOG with the process umask.
      tightenQuietly(dbDir);
    } catch (RocksDBException e) {
      closeHandles(out, opened);
      releaseNative();
      throw RocksErrors.wrap("opening", dir, e);
    } catch (IOException e) {
      closeHandles(out, opened);
      releaseNative();
      throw new VaultException("cannot set up the vault folder " + dir + ": " + e.getMessage(), e);
    } catch (VaultException | RuntimeException e) {
      closeHandles(out, opened);
      releaseNative();
      throw e;
    }
    this.db = opened;
    this.allHandles = out;
    this.openedReadOnly = ro;
    this.readOnlyReason = roReason;
    this.permissionsTightened = tightened;
    // out.get(0) is the default column family, then the stores in the order the descriptors named them. A
    // read-only open cannot create stores a newer Kith added, so those have no handle and read as empty.
    for (int i = 0; i < present.size(); i++) {
      handles.put(present.get(i), out.get(i + 1));
    }
  }

  private List<ColumnFamilyDescriptor> descriptors(List<Store> stores) {
    List<ColumnFamilyDescriptor> d = new ArrayList<>();
    d.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    for (Store s : stores) {
      d.add(new ColumnFamilyDescriptor(cfNameBytes.get(s), cfOptions));
    }
    return d;
  }

  /**
   * Sets 0700/0600 on the vault folder and everything in it (section 4.4). Returns true if the folder or one of the
   * entries directly in it (the key file, the lock, {@code db/}) was open to group or others. Files inside
   * {@code db/} are fixed without counting: RocksDB creates them with the umask in every session, inside a folder
   * others cannot enter. Best effort: a mode that cannot be changed (a file owned by someone else) is left as it is.
   */
  private static boolean tightenVaultFolder(Path dir) {
    if (!FilePerms.posix(dir)) {
      return false;
    }
    boolean exposed = false;
    try {
      exposed = FilePerms.restrict(dir);
      List<Path> children;
      try (Stream<Path> list = Files.list(dir)) {
        children = list.toList();
      }
      for (Path c : children) {
        try {
          exposed |= FilePerms.restrict(c);
          if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
            FilePerms.restrictTree(c);
          }
        } catch (IOException e) {
          // Left as it is; see above.
        }
      }
    } catch (IOException e) {
      // Left as it is; see above.
    }
    return exposed;
  }

  /** Best effort, as {@link #tightenVaultFolder}: the folder's own 0700 protects what cannot be changed. */
  private static void tightenQuietly(Path dbDir) {
    try {
      FilePerms.restrictTree(dbDir);
    } catch (IOException | RuntimeException e) {
      // Left as it is; the next open tries again.
    }
  }

  /**
   * The stores the database holds, from its MANIFEST. Refuses a database with a store this Kith does not know
   * (written by a newer Kith) rather than ignore its data.
   */
  private List<Store> presentStores(Path dbDir) throws VaultException, RocksDBException {
    List<byte[]> existing;
    try (Options o = new Options()) {
      existing = RocksDB.listColumnFamilies(o, dbDir.toString());
    }
    List<String> unknown = new ArrayList<>();
    List<Store> present = new ArrayList<>();
    for (byte[] name : existing) {
      String n = new String(name, StandardCharsets.UTF_8);
      Store known = storeNamed(n);
      if (known != null) {
        present.add(known);
      } else if (!Arrays.equals(name, RocksDB.DEFAULT_COLUMN_FAMILY)) {
        unknown.add(n);
      }
    }
    if (!unknown.isEmpty()) {
      throw new VaultException(
          "the vault at " + dir + " has stores this Kith does not know " + unknown
              + ": it was written by a newer Kith; upgrade Kith to open it");
    }
    present.sort(null);
    return present;
  }

  static Store storeNamed(String cfName) {
    for (Store s : Store.values()) {
      if (s.cfName().equals(cfName)) {
        return s;
      }
    }
    return null;
  }

  /**
   * Opens the database read-only with the checks of the real open and logging to memory, then closes it. A
   * damaged log or MANIFEST is refused here, before the read-write open has rotated RocksDB's LOG or written
   * anything: a refused open changes no file (section 4.2).
   */
  private void verifyBeforeOpen(Path dbDir, List<Store> present) throws VaultException, RocksDBException {
    List<ColumnFamilyHandle> hs = new ArrayList<>();
    try (RocksSetup.MemoryLogger log = new RocksSetup.MemoryLogger();
        DBOptions o = RocksSetup.dbOptions(RocksSetup.Mode.STRICT_READ_ONLY, false, log)) {
      try (RocksDB ro = RocksDB.openReadOnly(o, dbDir.toString(), descriptors(present), hs)) {
        closeHandles(hs, null);
      } catch (RocksDBException e) {
        if (RocksErrors.code(e) == Status.Code.Corruption) {
          throw new VaultCorruptException(
              "the vault at " + dir + " is damaged: its database does not open (" + e.getMessage()
                  + "); nothing was changed; " + RocksErrors.WAY_OUT,
              e);
        }
        throw e;
      }
    }
  }

  private static void closeHandles(List<ColumnFamilyHandle> hs, RocksDB db) {
    for (int i = hs.size() - 1; i >= 0; i--) {
      hs.get(i).close();
    }
    hs.clear();
    if (db != null) {
      db.close();
    }
  }

  private void closeOptions() {
    if (dbOptions != null) {
      dbOptions.close();
      dbOptions = null;
    }
    if (memoryLogger != null) {
      memoryLogger.close();
      memoryLogger = null;
    }
  }

  private void releaseNative() {
    syncWrite.close();
    closeOptions();
    tightener.close();
    cfOptions.close();
    wipeKeys();
    lock.close();
  }

  private void wipeKeys() {
    valueKey.close();
    lookupKeys.values().forEach(SecretBytes::close);
    master.close();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Create, open, exists

  /** Creates a new vault in {@code dir}, which must not exist or be empty, with the production Argon2id cost. */
  public static Vault create(Path dir, char[] passphrase) throws VaultException {
    return create(dir, passphrase, KdfProfile.PRODUCTION);
  }

  /**
   * Creates a new vault whose passphrase is stretched with {@code kdf}. Only test suites pass anything but
   * {@link KdfProfile#PRODUCTION}: see {@link KdfProfile#TESTING_ONLY_INSECURE}.
   */
  public static Vault create(Path dir, char[] passphrase, KdfProfile kdf) throws VaultException {
    return create(dir, passphrase, kdf.params());
  }

  /** Any parameters within the key file's bounds, for tests of the key file itself. */
  static Vault create(Path dir, char[] passphrase, KdfParams params) throws VaultException {
    requirePassphrase(passphrase);
    if (exists(dir)) {
      throw new VaultExistsException(
          "there is already a vault at " + dir + ": nothing was changed; open it, or choose another folder");
    }
    boolean madeDir = !Files.exists(dir);
    try {
      if (!madeDir && !isEmptyDir(dir)) {
        throw new VaultException(
            dir + " is not empty and holds no vault: nothing was changed; choose an empty or new folder");
      }
      FilePerms.createDirs(dir);
      if (FilePerms.posix(dir)) {
        FilePerms.restrict(dir);
      }
    } catch (IOException e) {
      throw new VaultException("cannot create the vault folder " + dir + ": " + e.getMessage(), e);
    }
    SecretBytes master = SecretBytes.random(VaultCrypto.KEY_BYTES);
    Vault v = null;
    try {
      v = lockAndOpen(dir, master, true);
      // The key file is written last: a folder without it is not a vault, so a crash mid-create is never
      // mistaken for one.
      KeyFile kf = KeyFile.wrap(master, passphrase, params);
      DiskIo.writeAtomically(dir.resolve(KEY_FILE), kf.toBytes());
      return v;
    } catch (IOException | VaultException | RuntimeException e) {
      if (v != null) {
        v.close();
      } else {
        master.close();
      }
      if (madeDir) {
        DiskIo.deleteTree(dir);
      }
      if (e instanceof VaultException ve) {
        throw ve;
      }
      throw new VaultException("cannot create the vault at " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens the vault in {@code dir}. The key is unwrapped before anything else is opened, so a wrong passphrase
   * changes no byte on disk. A damaged database is refused before anything is written. On a full disk the vault
   * opens read-only (see {@link #readOnly()}); check {@link #permissionsTightened()} to tell the owner that the
   * folder was readable by other accounts.
   *
   * @throws VaultMissingException no vault in {@code dir}
   * @throws WrongPassphraseException the passphrase does not unwrap the key (or the key file was altered)
   * @throws VaultCorruptException the key file is malformed or lost, or the database is damaged (a damaged log,
   *     MANIFEST or missing CURRENT); the message names {@code kith restore} and {@code kith vault salvage}
   * @throws VaultLockedException another process, or another open in this one, holds the vault
   * @throws VaultException the vault was written by a newer Kith, or another disk or RocksDB error
   */
  public static Vault open(Path dir, char[] passphrase) throws VaultException {
    SecretBytes master = unlock(dir, passphrase);
    Path dbDir = dir.resolve(DB_DIR);
    if (!Files.isRegularFile(dbDir.resolve("CURRENT"))) {
      master.close();
      throw new VaultCorruptException(
          "the vault at " + dir + " is damaged: its database folder " + dbDir + " is missing or incomplete"
              + " (no CURRENT file); nothing was changed; " + RocksErrors.WAY_OUT);
    }
    return lockAndOpen(dir, master, false);
  }

  /**
   * Checks that {@code dir} holds a vault and unwraps its master key, touching nothing else (section 3.3). The
   * caller owns the result.
   */
  static SecretBytes unlock(Path dir, char[] passphrase) throws VaultException {
    if (!Files.isDirectory(dir)) {
      throw new VaultMissingException(
          "there is no vault at " + dir + " (the folder does not exist): check --home, or create one with `kith init`");
    }
    Path keyPath = dir.resolve(KEY_FILE);
    if (!Files.isRegularFile(keyPath)) {
      if (Files.exists(dir.resolve(DB_DIR))) {
        throw new VaultCorruptException(
            "the vault at " + dir + " has lost its key file " + KEY_FILE
                + ": without it the data cannot be decrypted; restore from a backup with `kith restore`");
      }
      throw new VaultMissingException(
          "there is no vault at " + dir + " (no " + KEY_FILE + "): check --home, or create one with `kith init`");
    }
    KeyFile kf = readKeyFile(dir, keyPath);
    SecretBytes master = kf.unwrap(passphrase);
    if (master == null) {
      throw new WrongPassphraseException(
          "wrong passphrase for the vault at " + dir + ": nothing was changed; try again"
              + " (if you are sure it is right, the key file may be damaged: restore from a backup)");
    }
    return master;
  }

  /** True if {@code dir} holds a vault key file. Says nothing about the passphrase or the data. */
  public static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve(KEY_FILE));
  }

  private static KeyFile readKeyFile(Path dir, Path keyPath) throws VaultException {
    try {
      if (Files.size(keyPath) > MAX_KEY_FILE_BYTES) {
        throw new KeyFile.MalformedException("key file is " + Files.size(keyPath) + " bytes");
      }
      return KeyFile.parse(Files.readAllBytes(keyPath));
    } catch (IOException e) {
      throw new VaultException("cannot read the key file of the vault at " + dir + ": " + e.getMessage(), e);
    } catch (KeyFile.MalformedException e) {
      throw new VaultCorruptException(
          "the key file of the vault at " + dir + " is damaged (" + e.getMessage()
              + "): restore from a backup with `kith restore`");
    }
  }

  private static Vault lockAndOpen(Path dir, SecretBytes master, boolean create) throws VaultException {
    VaultLock lock;
    try {
      lock = VaultLock.acquire(dir);
    } catch (VaultException e) {
      master.close();
      throw e;
    }
    // From here the constructor owns master and the lock, and releases them if it fails.
    return new Vault(dir, lock, master, create);
  }

  private static boolean isEmptyDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  private static void requirePassphrase(char[] passphrase) {
    if (passphrase == null || passphrase.length == 0) {
      throw new IllegalArgumentException("passphrase is empty");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Check and salvage

  /**
   * Reads every entry of every store of the vault in {@code dir} and reports what is damaged, changing nothing in
   * the folder: the database is opened read-only with RocksDB logging to memory, every value is decrypted and
   * authenticated, and every block of every table file is checksummed. If a normal open would refuse the database,
   * the report says why and counts what {@link #salvage} would get, read from a temporary copy.
   *
   * @throws VaultMissingException no vault in {@code dir}
   * @throws WrongPassphraseException the passphrase does not unwrap the key (or the key file was altered)
   * @throws VaultCorruptException the key file is malformed or lost: nothing can be decrypted without it
   * @throws VaultLockedException the vault is open in another process (or in this one)
   * @throws VaultException the folder cannot be read, or a temporary copy cannot be made
   */
  public static VaultReport check(Path dir, char[] passphrase) throws VaultException {
    return VaultRepair.check(dir, passphrase);
  }

  /**
   * Exports what still decrypts from a damaged vault. Copies {@code db/} into a new temporary folder (the
   * original is only read), opens the copy read-only with the most permissive recovery RocksDB has (damaged log
   * records skipped, then best-efforts recovery if that fails, a lost CURRENT file rebuilt from the newest
   * MANIFEST), and calls {@code visitor} for every entry of every store whose value authenticates, store by store
   * in key order. Entries that fail authentication are counted, never passed on. The temporary copy is deleted
   * before this returns.
   *
   * @param scratch an existing folder to make the temporary copy in (it needs room for the whole database);
   *     another disk than the vault's if that one is full
   * @throws VaultMissingException no vault in {@code dir}
   * @throws WrongPassphraseException the passphrase does not unwrap the key (or the key file was altered)
   * @throws VaultCorruptException the key file is malformed or lost, or the copy does not open even so
   * @throws VaultLockedException the vault is open in another process (or in this one)
   * @throws VaultException the copy cannot be made, or {@code visitor} threw it
   */
  public static VaultReport salvage(Path dir, char[] passphrase, Path scratch, SalvageVisitor visitor)
      throws VaultException {
    return VaultRepair.salvage(dir, passphrase, scratch, visitor);
  }

  /** {@link #salvage(Path, char[], Path, SalvageVisitor)} with the copy in {@code java.io.tmpdir}. */
  public static VaultReport salvage(Path dir, char[] passphrase, SalvageVisitor visitor) throws VaultException {
    return VaultRepair.salvage(dir, passphrase, Path.of(System.getProperty("java.io.tmpdir")), visitor);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Records

  /** The decrypted value, or null if absent. */
  public byte[] get(Store s, byte[] key) throws VaultException {
    assertOpen();
    checkKey(key);
    ColumnFamilyHandle h = handles.get(s);
    if (h == null) {
      return null;
    }
    byte[] sealed;
    try {
      sealed = db.get(h, key);
    } catch (RocksDBException e) {
      throw RocksErrors.wrap("reading " + s.cfName(), dir, e);
    }
    return sealed == null ? null : unseal(s, key, sealed);
  }

  /** Seals and writes one value; returns after the WAL is fsynced. */
  public void put(Store s, byte[] key, byte[] value) throws VaultException {
    assertOpen();
    assertWritable();
    byte[] sealed = seal(s, key, value);
    try {
      db.put(handles.get(s), syncWrite, key, sealed);
    } catch (RocksDBException e) {
      throw writeFailed("writing " + s.cfName(), e);
    }
  }

  /** Deletes one value (no error if absent); returns after the WAL is fsynced. */
  public void delete(Store s, byte[] key) throws VaultException {
    assertOpen();
    assertWritable();
    checkKey(key);
    try {
      db.delete(handles.get(s), syncWrite, key);
    } catch (RocksDBException e) {
      throw writeFailed("deleting from " + s.cfName(), e);
    }
  }

  /**
   * A set of puts and deletes across stores, written atomically and synced by {@link Batch#commit()}. On a
   * read-only vault the batch's put, delete and commit throw {@link VaultReadOnlyException}.
   */
  public Batch batch() {
    assertOpen();
    return new Batch(this);
  }

  /** Visits every entry of {@code s} in key order, decrypted. Stops at the first exception. */
  public void forEach(Store s, EntryVisitor v) throws VaultException {
    assertOpen();
    ColumnFamilyHandle h = handles.get(s);
    if (h == null) {
      return;
    }
    try (RocksIterator it = db.newIterator(h)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        v.visit(key, unseal(s, key, it.value()));
      }
      it.status();
    } catch (RocksDBException e) {
      throw RocksErrors.wrap("reading " + s.cfName(), dir, e);
    }
  }

  /** Receives keys only. */
  @FunctionalInterface
  public interface KeyVisitor {
    void visit(byte[] key) throws VaultException;
  }

  /**
   * Visits every key of {@code s} in key order without decrypting values: keys are not secret (section 5.3 of
   * spec/VAULT.md), and counting or listing ids should not cost a decryption each.
   */
  public void forEachKey(Store s, KeyVisitor v) throws VaultException {
    assertOpen();
    ColumnFamilyHandle h = handles.get(s);
    if (h == null) {
      return;
    }
    try (RocksIterator it = db.newIterator(h)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        v.visit(it.key());
      }
      it.status();
    } catch (RocksDBException e) {
      throw RocksErrors.wrap("reading " + s.cfName(), dir, e);
    }
  }

  /**
   * A record key for something private (a file path, a name): keyed BLAKE2b-256 under a per-store key derived from
   * the master key, so the key on disk says nothing without the passphrase and equal names give equal keys.
   */
  public byte[] lookupKey(Store s, byte[] plaintextName) {
    assertOpen();
    return VaultCrypto.blake2b256(lookupKeys.get(s).bytes(), plaintextName);
  }

  /** 16 random bytes from libsodium: the id of a new record. */
  public static byte[] randomId() {
    return VaultCrypto.random(16);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Passphrase, backup, restore

  /**
   * Rewraps the master key under {@code newPass} and replaces the key file atomically. No value is re-encrypted.
   * Checks {@code oldPass} against the file on disk first. The new wrap has a fresh salt and nonce and at least the
   * production Argon2id cost ({@link KdfProfile#PRODUCTION}): a passphrase change never lowers the cost, and raises
   * a vault created with {@link KdfProfile#TESTING_ONLY_INSECURE} or an older default.
   */
  public synchronized void changePassphrase(char[] oldPass, char[] newPass) throws VaultException {
    assertOpen();
    assertWritable();
    requirePassphrase(newPass);
    Path keyPath = dir.resolve(KEY_FILE);
    KeyFile current = readKeyFile(dir, keyPath);
    try (SecretBytes check = current.unwrap(oldPass)) {
      if (check == null) {
        throw new WrongPassphraseException(
            "wrong current passphrase for the vault at " + dir + ": nothing was changed; try again");
      }
      if (!check.equalsSecret(master)) {
        throw new VaultCorruptException(
            "the key file of the vault at " + dir + " no longer matches the open vault: nothing was changed;"
                + " was it replaced while Kith was running?");
      }
    }
    KeyFile next = KeyFile.wrap(master, newPass, current.params().atLeast(KdfParams.DEFAULT));
    try {
      DiskIo.writeAtomically(keyPath, next.toBytes());
    } catch (IOException e) {
      throw new VaultException(
          "could not write the new key file of the vault at " + dir + " (" + e.getMessage()
              + "): the old passphrase still works; try again",
          e);
    }
  }

  /**
   * Writes a consistent snapshot (a RocksDB checkpoint) and the key file into one archive file, still ciphertext.
   * Refuses to overwrite an existing file. The archive is written beside {@code file} and renamed into place, so a
   * crash never leaves a half-written file under that name. The file is owner-only (0600). Works on a read-only
   * vault too: then nothing is written into the vault folder (its disk is full), and the database files are
   * packed as they are, which is consistent since nothing can change them while this process holds the vault.
   */
  public synchronized void backup(Path file) throws VaultException {
    assertOpen();
    if (Files.exists(file)) {
      throw new VaultException(file + " already exists: nothing was written; choose a new file name");
    }
    Path parent = file.toAbsolutePath().getParent();
    String tag = HexFormat.of().formatHex(VaultCrypto.random(6));
    Path checkpointDir = dir.resolve("backup-" + tag);
    Path partial = parent.resolve(file.getFileName() + ".partial-" + tag);
    try {
      List<BackupArchive.Entry> entries = new ArrayList<>();
      entries.add(new BackupArchive.Entry(KEY_FILE, dir.resolve(KEY_FILE)));
      Path source = openedReadOnly ? dir.resolve(DB_DIR) : checkpoint(checkpointDir);
      try (Stream<Path> files = Files.list(source)) {
        for (Path p : (Iterable<Path>) files.sorted()::iterator) {
          if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && isDatabaseFile(p.getFileName().toString())) {
            entries.add(new BackupArchive.Entry(DB_DIR + "/" + p.getFileName(), p));
          }
        }
      }
      try (OutputStream out = Channels.newOutputStream(FilePerms.createFile(partial))) {
        BackupArchive.write(entries, out);
      }
      DiskIo.fsync(partial);
      Files.move(partial, file);
      DiskIo.fsyncDir(parent);
    } catch (RocksDBException e) {
      throw RocksErrors.wrap("taking a snapshot for backup", dir, e);
    } catch (FileAlreadyExistsException e) {
      throw new VaultException(file + " already exists: nothing was written; choose a new file name", e);
    } catch (IOException e) {
      throw new VaultException("backup to " + file + " failed: " + e.getMessage() + "; nothing was written", e);
    } finally {
      DiskIo.deleteTree(checkpointDir);
      try {
        Files.deleteIfExists(partial);
      } catch (IOException ignored) {
        // A leftover .partial file is named as such.
      }
    }
  }

  private Path checkpoint(Path checkpointDir) throws RocksDBException {
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(checkpointDir.toString());
    }
    return checkpointDir;
  }

  /**
   * The files a copy of the database needs: not RocksDB's lock and info logs, not temporary files. A checkpoint
   * holds only the former kind; a read-only vault's folder may hold the others.
   */
  static boolean isDatabaseFile(String name) {
    return !name.equals("LOCK") && !name.startsWith("LOG") && !name.endsWith(".dbtmp");
  }

  /**
   * Unpacks a backup into {@code newDir}, which must not exist or be empty. Verifies every entry's length and
   * SHA-256 and the archive's own checksum before anything appears under {@code newDir}.
   */
  public static void restore(Path file, Path newDir) throws VaultException {
    if (!Files.isRegularFile(file)) {
      throw new VaultException("backup file " + file + " does not exist or is not a file: nothing was restored");
    }
    try {
      if (Files.exists(newDir) && !isEmptyDir(newDir)) {
        throw new VaultException(
            newDir + " exists and is not empty: nothing was restored; restore into a new folder");
      }
    } catch (IOException e) {
      throw new VaultException("cannot inspect " + newDir + ": " + e.getMessage(), e);
    }
    Path target = newDir.toAbsolutePath();
    Path tmp = target.resolveSibling(
        "." + target.getFileName() + ".restore-" + HexFormat.of().formatHex(VaultCrypto.random(6)));
    boolean done = false;
    try {
      Files.createDirectories(target.getParent());
      FilePerms.createDir(tmp);
      BackupArchive.read(file, tmp);
      KeyFile.parse(Files.readAllBytes(tmp.resolve(KEY_FILE)));
      try (Stream<Path> walk = Files.walk(tmp)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          if (Files.isDirectory(p)) {
            DiskIo.fsyncDir(p);
          } else {
            DiskIo.fsync(p);
          }
        }
      }
      if (Files.exists(target)) {
        Files.delete(target); // empty, checked above
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      DiskIo.fsyncDir(target.getParent());
      done = true;
    } catch (BackupArchive.DamagedException | KeyFile.MalformedException e) {
      throw new BackupCorruptException(
          "the backup file " + file + " is damaged (" + e.getMessage()
              + "): nothing was restored; use another backup");
    } catch (IOException e) {
      throw new VaultException("restore from " + file + " failed: " + e.getMessage() + "; nothing was restored", e);
    } finally {
      if (!done) {
        DiskIo.deleteTree(tmp);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lifetime and helpers

  public Path dir() {
    return dir;
  }

  /**
   * True if writes are off because the vault's disk is full: it was opened read-only for that reason, or a write
   * failed for lack of space while it was open (RocksDB then refuses every later write until the database is
   * opened again). Reads work, and so does {@link #backup} on a vault opened read-only; every write throws
   * {@link VaultReadOnlyException}. Open the vault again once space is freed.
   */
  public boolean readOnly() {
    return readOnlyReason != null;
  }

  /**
   * True if opening found the vault folder, its key file, lock or database folder readable by group or others
   * (a vault made by an earlier Kith, or a folder copied or restored with loose modes), and set them to owner-only.
   * The front end tells the person, since their data may have been readable by other accounts until now.
   */
  public boolean permissionsTightened() {
    return permissionsTightened;
  }

  /** Closes column families, then the database, then wipes the keys and releases the lock. Runs once. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeHandles(allHandles, db);
    // Files RocksDB created since the last flush (a new WAL, a rotated LOG) get 0600 now rather than at the next
    // open; the folder's 0700 covers them in between.
    tightenQuietly(dir.resolve(DB_DIR));
    releaseNative();
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("vault at " + dir + " is closed");
    }
  }

  void assertWritable() throws VaultReadOnlyException {
    String reason = readOnlyReason;
    if (reason != null) {
      throw readOnlyError("", reason);
    }
  }

  private VaultReadOnlyException readOnlyError(String prefix, String reason) {
    return new VaultReadOnlyException(
        prefix + "the vault at " + dir + " is read-only because its disk is full (" + reason + "): reading works,"
            + " writes are off until space is freed and the vault is opened again; free some space, then restart"
            + " Kith (a restart on a still-full disk opens it read-only, and `kith backup` to another disk works)");
  }

  /**
   * A write RocksDB refused. Out of space, RocksDB keeps refusing writes until the database is opened again (it
   * records a background error, and RocksJava has no way to resume), so the vault says so from then on.
   */
  VaultException writeFailed(String doing, RocksDBException e) {
    if (RocksErrors.isNoSpace(e)) {
      readOnlyReason = e.getMessage();
      return readOnlyError("this write did not complete: ", e.getMessage());
    }
    return RocksErrors.wrap(doing, dir, e);
  }

  ColumnFamilyHandle handle(Store s) {
    return handles.get(s);
  }

  RocksDB db() {
    return db;
  }

  WriteOptions syncWrite() {
    return syncWrite;
  }

  void checkOpen() {
    assertOpen();
  }

  byte[] seal(Store s, byte[] key, byte[] value) {
    checkKey(key);
    if (value == null) {
      throw new IllegalArgumentException("value is null");
    }
    if (value.length > MAX_VALUE_BYTES) {
      throw new IllegalArgumentException("value longer than " + MAX_VALUE_BYTES + " bytes: " + value.length);
    }
    return VaultCrypto.seal(valueKey.bytes(), cfNameBytes.get(s), key, value);
  }

  private byte[] unseal(Store s, byte[] key, byte[] sealed) throws IntegrityException {
    if (sealed.length < VaultCrypto.VALUE_OVERHEAD) {
      throw new IntegrityException(
          s, key, "the stored value is " + sealed.length + " bytes, shorter than any sealed value");
    }
    if (sealed[0] != VaultCrypto.VALUE_VERSION) {
      throw new IntegrityException(
          s, key, "the stored value has format version " + (sealed[0] & 0xff) + ", which this Kith does not read");
    }
    byte[] plain = VaultCrypto.open(valueKey.bytes(), cfNameBytes.get(s), key, sealed);
    if (plain == null) {
      throw new IntegrityException(s, key, "the stored bytes fail authentication");
    }
    return plain;
  }

  static void checkKey(byte[] key) {
    if (key == null) {
      throw new IllegalArgumentException("key is null");
    }
    if (key.length == 0 || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("key length out of [1, " + MAX_KEY_BYTES + "]: " + key.length);
    }
  }
}
