package org.kith.storage.internal;

import com.goterl.lazysodium.SodiumJava;
import com.sun.jna.NativeLong;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.kith.sodium.Sodium;

/** The vault's primitives, all libsodium: Argon2id, XChaCha20-Poly1305-IETF, crypto_kdf, keyed BLAKE2b. */
public final class VaultCrypto {
  public static final int KEY_BYTES = 32;
  public static final int NONCE_BYTES = 24; // crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
  public static final int TAG_BYTES = 16; // crypto_aead_xchacha20poly1305_ietf_ABYTES
  public static final int SALT_BYTES = 16; // crypto_pwhash_SALTBYTES
  public static final int ALG_ARGON2ID13 = 2; // crypto_pwhash_ALG_ARGON2ID13

  /** Sealed value layout: version || nonce || ciphertext-with-tag. */
  public static final byte VALUE_VERSION = 1;

  public static final int VALUE_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

  // crypto_kdf contexts are exactly 8 bytes.
  private static final byte[] CTX_VALUE = ascii("kithvalu");
  private static final byte[] CTX_LOOKUP = ascii("kithlkup");
  private static final long SUBKEY_VALUE = 1;
  private static final long SUBKEY_LOOKUP = 2;

  private VaultCrypto() {}

  private static SodiumJava na() {
    return Sodium.raw();
  }

  public static byte[] random(int n) {
    byte[] b = new byte[n];
    na().randombytes_buf(b, n);
    return b;
  }

  /** UTF-8 of the passphrase exactly as typed (no Unicode normalisation). The caller wipes the result. */
  public static byte[] passphraseBytes(char[] passphrase) {
    try {
      ByteBuffer bb =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(passphrase));
      byte[] out = new byte[bb.remaining()];
      bb.get(out);
      if (bb.hasArray()) {
        Arrays.fill(bb.array(), (byte) 0);
      }
      return out;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("passphrase is not valid Unicode (unpaired surrogate)");
    }
  }

  /** Argon2id(passphrase, salt) to a 32-byte wrapping key. */
  public static SecretBytes argon2id(char[] passphrase, byte[] salt, KdfParams p) {
    if (salt.length != SALT_BYTES) {
      throw new IllegalArgumentException("salt length != " + SALT_BYTES + ": " + salt.length);
    }
    byte[] pw = passphraseBytes(passphrase);
    byte[] out = new byte[KEY_BYTES];
    try {
      int rc =
          na().crypto_pwhash(
              out, KEY_BYTES, pw, pw.length, salt, p.opsLimit(), new NativeLong(p.memLimitBytes()), ALG_ARGON2ID13);
      if (rc != 0) {
        throw new IllegalStateException("crypto_pwhash failed (out of memory?): memlimit " + p.memLimitBytes());
      }
      return SecretBytes.adopt(out);
    } finally {
      Arrays.fill(pw, (byte) 0);
    }
  }

  /** XChaCha20-Poly1305-IETF: returns ciphertext || tag. */
  public static byte[] aeadEncrypt(byte[] key, byte[] nonce, byte[] plaintext, byte[] aad) {
    byte[] out = new byte[plaintext.length + TAG_BYTES];
    int rc =
        na().crypto_aead_xchacha20poly1305_ietf_encrypt(
            out, null, plaintext, plaintext.length, aad, aad.length, null, nonce, key);
    if (rc != 0) {
      throw new IllegalStateException("crypto_aead_xchacha20poly1305_ietf_encrypt failed: " + rc);
    }
    return out;
  }

  /** Returns the plaintext, or null if the ciphertext, nonce, key or aad do not authenticate. */
  public static byte[] aeadDecrypt(byte[] key, byte[] nonce, byte[] ciphertext, byte[] aad) {
    if (ciphertext.length < TAG_BYTES) {
      return null;
    }
    byte[] out = new byte[ciphertext.length - TAG_BYTES];
    int rc =
        na().crypto_aead_xchacha20poly1305_ietf_decrypt(
            out, null, null, ciphertext, ciphertext.length, aad, aad.length, nonce, key);
    return rc == 0 ? out : null;
  }

  /** The key that seals values: crypto_kdf(master, id 1, "kithvalu"). */
  public static SecretBytes valueKey(SecretBytes master) {
    return kdf(master, SUBKEY_VALUE, CTX_VALUE);
  }

  /** The key behind lookup keys of one store: BLAKE2b-256(key = crypto_kdf(master, 2, "kithlkup"), cfName). */
  public static SecretBytes lookupStoreKey(SecretBytes master, String cfName) {
    try (SecretBytes base = kdf(master, SUBKEY_LOOKUP, CTX_LOOKUP)) {
      return SecretBytes.adopt(blake2b256(base.bytes(), cfName.getBytes(StandardCharsets.UTF_8)));
    }
  }

  public static byte[] blake2b256(byte[] key, byte[] message) {
    byte[] out = new byte[32];
    int rc = na().crypto_generichash(out, out.length, message, message.length, key, key == null ? 0 : key.length);
    if (rc != 0) {
      throw new IllegalStateException("crypto_generichash failed: " + rc);
    }
    return out;
  }

  private static SecretBytes kdf(SecretBytes master, long id, byte[] ctx) {
    byte[] out = new byte[KEY_BYTES];
    int rc = na().crypto_kdf_derive_from_key(out, KEY_BYTES, id, ctx, master.bytes());
    if (rc != 0) {
      throw new IllegalStateException("crypto_kdf_derive_from_key failed: " + rc);
    }
    return SecretBytes.adopt(out);
  }

  /** The associated data binding a value to where it lives: cfName || 0x00 || key. */
  public static byte[] valueAad(byte[] cfName, byte[] key) {
    byte[] aad = new byte[cfName.length + 1 + key.length];
    System.arraycopy(cfName, 0, aad, 0, cfName.length);
    System.arraycopy(key, 0, aad, cfName.length + 1, key.length);
    return aad;
  }

  /** version || nonce || XChaCha20-Poly1305(value, aad). */
  public static byte[] seal(byte[] valueKey, byte[] cfName, byte[] key, byte[] value) {
    byte[] nonce = random(NONCE_BYTES);
    byte[] ct = aeadEncrypt(valueKey, nonce, value, valueAad(cfName, key));
    byte[] out = new byte[1 + NONCE_BYTES + ct.length];
    out[0] = VALUE_VERSION;
    System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
    System.arraycopy(ct, 0, out, 1 + NONCE_BYTES, ct.length);
    return out;
  }

  /** The plaintext, or null if the sealed bytes are short, of an unknown version, or fail authentication. */
  public static byte[] open(byte[] valueKey, byte[] cfName, byte[] key, byte[] sealed) {
    if (sealed.length < VALUE_OVERHEAD || sealed[0] != VALUE_VERSION) {
      return null;
    }
    byte[] nonce = Arrays.copyOfRange(sealed, 1, 1 + NONCE_BYTES);
    byte[] ct = Arrays.copyOfRange(sealed, 1 + NONCE_BYTES, sealed.length);
    return aeadDecrypt(valueKey, nonce, ct, valueAad(cfName, key));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
