package org.kith.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.kith.storage.internal.BackupArchive;
import org.kith.storage.internal.DiskIo;
import org.kith.storage.internal.KdfParams;
import org.kith.storage.internal.KeyFile;
import org.kith.storage.internal.RocksErrors;
import org.kith.storage.internal.SecretBytes;
import org.kith.storage.internal.VaultCrypto;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteOptions;

/**
 * A person's encrypted vault: RocksDB with one column family per {@link Store}, every value sealed with
 * XChaCha20-Poly1305 under a key derived from a random master key, which is itself wrapped by Argon2id over the
 * passphrase. The on-disk format is spec/VAULT.md.
 *
 * <p>Thread-safe for get/put/delete/batch/forEach; {@link #close()} must not race with other calls.
 */
public final class Vault implements AutoCloseable {
  static final String KEY_FILE = "vault.key";
  static final String DB_DIR = "db";
  static final String LOCK_FILE = "vault.lock";

  /** Keys are ids or hashes; anything longer is a bug in the caller. */
  public static final int MAX_KEY_BYTES = 1024;

  /** Values are notes, vectors and records; a value this large is a bug or an attack. */
  public static final int MAX_VALUE_BYTES = 64 << 20;

  /** The key file is 112 bytes; refuse to read anything much larger into memory. */
  private static final long MAX_KEY_FILE_BYTES = 4096;

  /** Vaults open in this JVM, by real path: file locks cannot tell two opens by one process apart. */
  private static final Set<Path> OPEN_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final Path lockKey;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final SecretBytes master;
  private final SecretBytes valueKey;
  private final EnumMap<Store, SecretBytes> lookupKeys = new EnumMap<>(Store.class);
  private final EnumMap<Store, byte[]> cfNameBytes = new EnumMap<>(Store.class);
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final WriteOptions syncWrite;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> allHandles;
  private final EnumMap<Store, ColumnFamilyHandle> handles = new EnumMap<>(Store.class);
  private final AtomicBoolean closed = new AtomicBoolean();

  private Vault(Path dir, Path lockKey, FileChannel lockChannel, FileLock lock, SecretBytes master, boolean create)
      throws VaultException {
    this.dir = dir;
    this.lockKey = lockKey;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.master = master;
    this.valueKey = VaultCrypto.valueKey(master);
    for (Store s : Store.values()) {
      lookupKeys.put(s, VaultCrypto.lookupStoreKey(master, s.cfName()));
      cfNameBytes.put(s, s.cfName().getBytes(StandardCharsets.UTF_8));
    }
    this.dbOptions =
        new DBOptions()
            .setCreateIfMissing(create)
            // Stores added by later versions are created on first open; none is ever removed.
            .setCreateMissingColumnFamilies(true)
            .setParanoidChecks(true)
            .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)
            // RocksDB's LOG never sees values, but keep it small and quiet: warnings and errors only.
            .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
            .setKeepLogFileNum(2)
            .setMaxLogFileSize(1 << 20);
    this.cfOptions = new ColumnFamilyOptions();
    // Every user-visible write is fsynced to the WAL before put/commit returns.
    this.syncWrite = new WriteOptions().setSync(true);
    Path dbDir = dir.resolve(DB_DIR);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    for (Store s : Store.values()) {
      descriptors.add(new ColumnFamilyDescriptor(cfNameBytes.get(s), cfOptions));
    }
    List<ColumnFamilyHandle> out = new ArrayList<>();
    RocksDB opened;
    try {
      if (!create) {
        checkNoUnknownStores(dbDir);
      }
      opened = RocksDB.open(dbOptions, dbDir.toString(), descriptors, out);
    } catch (RocksDBException e) {
      releaseNative();
      throw RocksErrors.wrap("opening", dir, e);
    } catch (VaultException | RuntimeException e) {
      releaseNative();
      throw e;
    }
    this.db = opened;
    this.allHandles = out;
    Store[] stores = Store.values();
    for (int i = 0; i < stores.length; i++) {
      handles.put(stores[i], out.get(i + 1));
    }
  }

  private void checkNoUnknownStores(Path dbDir) throws VaultException, RocksDBException {
    List<byte[]> existing;
    try (Options o = new Options()) {
      existing = RocksDB.listColumnFamilies(o, dbDir.toString());
    }
    List<String> unknown = new ArrayList<>();
    for (byte[] name : existing) {
      String n = new String(name, StandardCharsets.UTF_8);
      boolean known = Arrays.equals(name, RocksDB.DEFAULT_COLUMN_FAMILY);
      for (Store s : Store.values()) {
        known |= s.cfName().equals(n);
      }
      if (!known) {
        unknown.add(n);
      }
    }
    if (!unknown.isEmpty()) {
      throw new VaultException(
          "the vault at " + dir + " has stores this Kith does not know " + unknown
              + ": it was written by a newer Kith; upgrade Kith to open it");
    }
  }

  private void releaseNative() {
    syncWrite.close();
    cfOptions.close();
    dbOptions.close();
    wipeKeys();
    releaseLock();
  }

  private void wipeKeys() {
    valueKey.close();
    lookupKeys.values().forEach(SecretBytes::close);
    master.close();
  }

  private void releaseLock() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException ignored) {
      // Closing the channel releases the lock in any case.
    } finally {
      OPEN_IN_THIS_JVM.remove(lockKey);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Create, open, exists

  /** Creates a new vault in {@code dir}, which must not exist or be empty. */
  public static Vault create(Path dir, char[] passphrase) throws VaultException {
    return create(dir, passphrase, KdfParams.DEFAULT);
  }

  /** Tests use cheaper Argon2id parameters; everything else about the vault is the real path. */
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
      Files.createDirectories(dir);
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
   * changes no byte on disk.
   */
  public static Vault open(Path dir, char[] passphrase) throws VaultException {
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
    Path dbDir = dir.resolve(DB_DIR);
    if (!Files.isRegularFile(dbDir.resolve("CURRENT"))) {
      master.close();
      throw new VaultCorruptException(
          "the vault at " + dir + " is damaged: its database folder " + dbDir
              + " is missing or incomplete; restore from a backup with `kith restore`");
    }
    return lockAndOpen(dir, master, false);
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
    Path key;
    try {
      key = dir.toRealPath();
    } catch (IOException e) {
      master.close();
      throw new VaultException("cannot resolve the vault folder " + dir + ": " + e.getMessage(), e);
    }
    if (!OPEN_IN_THIS_JVM.add(key)) {
      master.close();
      throw locked(dir);
    }
    FileChannel ch = null;
    FileLock lock = null;
    try {
      ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      lock = ch.tryLock();
    } catch (IOException | OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      closeQuietly(ch);
      OPEN_IN_THIS_JVM.remove(key);
      master.close();
      throw locked(dir);
    }
    // From here the constructor owns master, the lock and the channel, and releases them if it fails.
    return new Vault(dir, key, ch, lock, master, create);
  }

  private static VaultLockedException locked(Path dir) {
    return new VaultLockedException(
        "the vault at " + dir + " is in use by another Kith process (is `kith start` running?):"
            + " stop it, or run the command while it runs so it goes through the node");
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // Nothing to add to the error already being reported.
      }
    }
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
  // Records

  /** The decrypted value, or null if absent. */
  public byte[] get(Store s, byte[] key) throws VaultException {
    assertOpen();
    checkKey(key);
    byte[] sealed;
    try {
      sealed = db.get(handles.get(s), key);
    } catch (RocksDBException e) {
      throw RocksErrors.wrap("reading " + s.cfName(), dir, e);
    }
    return sealed == null ? null : unseal(s, key, sealed);
  }

  /** Seals and writes one value; returns after the WAL is fsynced. */
  public void put(Store s, byte[] key, byte[] value) throws VaultException {
    assertOpen();
    byte[] sealed = seal(s, key, value);
    try {
      db.put(handles.get(s), syncWrite, key, sealed);
    } catch (RocksDBException e) {
      throw RocksErrors.wrap("writing " + s.cfName(), dir, e);
    }
  }

  /** Deletes one value (no error if absent); returns after the WAL is fsynced. */
  public void delete(Store s, byte[] key) throws VaultException {
    assertOpen();
    checkKey(key);
    try {
      db.delete(handles.get(s), syncWrite, key);
    } catch (RocksDBException e) {
      throw RocksErrors.wrap("deleting from " + s.cfName(), dir, e);
    }
  }

  /** A set of puts and deletes across stores, written atomically and synced by {@link Batch#commit()}. */
  public Batch batch() {
    assertOpen();
    return new Batch(this);
  }

  /** Visits every entry of {@code s} in key order, decrypted. Stops at the first exception. */
  public void forEach(Store s, EntryVisitor v) throws VaultException {
    assertOpen();
    try (RocksIterator it = db.newIterator(handles.get(s))) {
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
    try (RocksIterator it = db.newIterator(handles.get(s))) {
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
   * Rewraps the master key under {@code newPass} (fresh salt and nonce, same Argon2id parameters) and replaces the
   * key file atomically. No value is re-encrypted. Checks {@code oldPass} against the file on disk first.
   */
  public synchronized void changePassphrase(char[] oldPass, char[] newPass) throws VaultException {
    assertOpen();
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
    KeyFile next = KeyFile.wrap(master, newPass, current.params());
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
   * crash never leaves a half-written file under that name.
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
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(checkpointDir.toString());
      List<BackupArchive.Entry> entries = new ArrayList<>();
      entries.add(new BackupArchive.Entry(KEY_FILE, dir.resolve(KEY_FILE)));
      try (Stream<Path> files = Files.list(checkpointDir)) {
        for (Path p : (Iterable<Path>) files.sorted()::iterator) {
          if (Files.isRegularFile(p)) {
            entries.add(new BackupArchive.Entry(DB_DIR + "/" + p.getFileName(), p));
          }
        }
      }
      try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE_NEW)) {
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
      Files.createDirectory(tmp);
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

  /** Closes column families, then the database, then wipes the keys and releases the lock. Runs once. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (int i = allHandles.size() - 1; i >= 0; i--) {
      allHandles.get(i).close();
    }
    db.close();
    releaseNative();
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("vault at " + dir + " is closed");
    }
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
