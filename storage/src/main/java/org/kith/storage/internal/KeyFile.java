package org.kith.storage.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The vault key file ({@code vault.key}, 112 bytes): a 64-byte header (magic, version, Argon2id parameters, salt,
 * nonce) and the XChaCha20-Poly1305 wrap of the 32-byte master key with the header as associated data. See
 * spec/VAULT.md, "Key file".
 */
public final class KeyFile {
  public static final byte[] MAGIC = "KITHVKEY".getBytes(StandardCharsets.US_ASCII);
  public static final int FORMAT_VERSION = 1;
  public static final int HEADER_BYTES = 64;
  public static final int WRAPPED_BYTES = VaultCrypto.KEY_BYTES + VaultCrypto.TAG_BYTES;
  public static final int FILE_BYTES = HEADER_BYTES + WRAPPED_BYTES;

  private final byte[] header;
  private final byte[] wrapped;
  private final KdfParams params;

  private KeyFile(byte[] header, byte[] wrapped, KdfParams params) {
    this.header = header;
    this.wrapped = wrapped;
    this.params = params;
  }

  /** Why a key file could not be parsed; the caller turns it into a user-facing exception. */
  public static final class MalformedException extends Exception {
    public MalformedException(String message) {
      super(message);
    }
  }

  /** Wraps {@code master} under a fresh salt and nonce. */
  public static KeyFile wrap(SecretBytes master, char[] passphrase, KdfParams params) {
    byte[] salt = VaultCrypto.random(VaultCrypto.SALT_BYTES);
    byte[] nonce = VaultCrypto.random(VaultCrypto.NONCE_BYTES);
    ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES);
    h.put(MAGIC)
        .put((byte) FORMAT_VERSION)
        .put((byte) VaultCrypto.ALG_ARGON2ID13)
        .putShort((short) 0)
        .putInt((int) params.opsLimit())
        .putLong(params.memLimitBytes())
        .put(salt)
        .put(nonce);
    byte[] header = h.array();
    try (SecretBytes kek = VaultCrypto.argon2id(passphrase, salt, params)) {
      byte[] wrapped = VaultCrypto.aeadEncrypt(kek.bytes(), nonce, master.bytes(), header);
      return new KeyFile(header, wrapped, params);
    }
  }

  public static KeyFile parse(byte[] file) throws MalformedException {
    if (file.length != FILE_BYTES) {
      throw new MalformedException("key file is " + file.length + " bytes, expected " + FILE_BYTES);
    }
    if (!Arrays.equals(file, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new MalformedException("key file does not start with KITHVKEY");
    }
    ByteBuffer b = ByteBuffer.wrap(file);
    b.position(MAGIC.length);
    int version = b.get() & 0xff;
    if (version != FORMAT_VERSION) {
      throw new MalformedException(
          "key file format version " + version + " is not supported (this Kith reads " + FORMAT_VERSION + ")");
    }
    int alg = b.get() & 0xff;
    if (alg != VaultCrypto.ALG_ARGON2ID13) {
      throw new MalformedException("key file names unknown KDF algorithm " + alg);
    }
    int reserved = b.getShort() & 0xffff;
    if (reserved != 0) {
      throw new MalformedException("key file reserved bytes are not zero");
    }
    long ops = b.getInt() & 0xffffffffL;
    long mem = b.getLong();
    KdfParams params;
    try {
      params = new KdfParams(ops, mem);
    } catch (IllegalArgumentException e) {
      throw new MalformedException("key file Argon2id parameters out of range: " + e.getMessage());
    }
    return new KeyFile(
        Arrays.copyOfRange(file, 0, HEADER_BYTES), Arrays.copyOfRange(file, HEADER_BYTES, FILE_BYTES), params);
  }

  /** The master key, or null if the passphrase is wrong (or the file was altered: the two look the same). */
  public SecretBytes unwrap(char[] passphrase) {
    byte[] salt = Arrays.copyOfRange(header, 24, 24 + VaultCrypto.SALT_BYTES);
    byte[] nonce = Arrays.copyOfRange(header, 40, 40 + VaultCrypto.NONCE_BYTES);
    try (SecretBytes kek = VaultCrypto.argon2id(passphrase, salt, params)) {
      byte[] master = VaultCrypto.aeadDecrypt(kek.bytes(), nonce, wrapped, header);
      return master == null ? null : SecretBytes.adopt(master);
    }
  }

  public KdfParams params() {
    return params;
  }

  public byte[] toBytes() {
    byte[] out = new byte[FILE_BYTES];
    System.arraycopy(header, 0, out, 0, HEADER_BYTES);
    System.arraycopy(wrapped, 0, out, HEADER_BYTES, WRAPPED_BYTES);
    return out;
  }
}
