package org.kith.protocol.identity;

import com.goterl.lazysodium.interfaces.Sign;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.sodium.Sodium;

/**
 * A long-term Ed25519 key pair: the node's identity, which signs records and authenticates the Secret
 * Handshake. Holds libsodium's 64-byte secret key (seed || public key) and its Curve25519 form, derived once
 * because every handshake needs it. The 64-byte secret leaves this object only through {@link #secretKey()},
 * for sealing into the vault and for {@code RecordSigner}; the Curve25519 form never does, it is only used by
 * {@link #x25519}. {@link #close()} wipes both. Immutable until closed, so one pair serves concurrent handshakes.
 */
public final class KeyPair implements AutoCloseable {
  public static final int PUBLIC_KEY_BYTES = Sign.PUBLICKEYBYTES;
  public static final int SECRET_KEY_BYTES = Sign.SECRETKEYBYTES;
  public static final int SEED_BYTES = Sign.SEEDBYTES;
  /** Length of a Curve25519 point or shared secret, as {@link #x25519} takes and writes them. */
  public static final int CURVE_BYTES = 32;

  private final byte[] publicKey;
  private final byte[] secretKey;
  private final byte[] curveSecretKey = new byte[CURVE_BYTES];
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Takes ownership of both arrays. */
  private KeyPair(byte[] publicKey, byte[] secretKey) {
    this.publicKey = publicKey;
    this.secretKey = secretKey;
    if (Sodium.raw().crypto_sign_ed25519_sk_to_curve25519(curveSecretKey, secretKey) != 0) {
      throw new IllegalArgumentException("secret key has no Curve25519 form");
    }
  }

  public static KeyPair generate() {
    byte[] pk = new byte[PUBLIC_KEY_BYTES];
    byte[] sk = new byte[SECRET_KEY_BYTES];
    if (Sodium.raw().crypto_sign_keypair(pk, sk) != 0) {
      throw new IllegalStateException("crypto_sign_keypair failed");
    }
    return new KeyPair(pk, sk);
  }

  /** The key pair libsodium's {@code crypto_sign_seed_keypair} derives from a 32-byte seed. */
  public static KeyPair fromSeed(byte[] seed) {
    if (seed.length != SEED_BYTES) {
      throw new IllegalArgumentException("seed must be 32 bytes: " + seed.length);
    }
    byte[] pk = new byte[PUBLIC_KEY_BYTES];
    byte[] sk = new byte[SECRET_KEY_BYTES];
    if (Sodium.raw().crypto_sign_seed_keypair(pk, sk, seed) != 0) {
      throw new IllegalStateException("crypto_sign_seed_keypair failed");
    }
    return new KeyPair(pk, sk);
  }

  /** Rebuilds a pair from a stored 64-byte secret key, checking that its public half matches. */
  public static KeyPair fromSecretKey(byte[] secretKey64) {
    if (secretKey64.length != SECRET_KEY_BYTES) {
      throw new IllegalArgumentException("secret key must be 64 bytes: " + secretKey64.length);
    }
    KeyPair derived = fromSeed(Arrays.copyOfRange(secretKey64, 0, SEED_BYTES));
    if (!MessageDigest.isEqual(derived.secretKey, secretKey64)) {
      derived.close();
      throw new IllegalArgumentException("secret key is inconsistent: its public half does not match its seed");
    }
    return derived;
  }

  /** An independent pair with the same keys, for an owner with its own lifetime: closing one leaves the other. */
  public KeyPair copy() {
    assertOpen();
    return new KeyPair(publicKey.clone(), secretKey.clone());
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  public PublicId id() {
    return PublicId.ofKey(publicKey);
  }

  /** A copy of the 64-byte secret key; the caller wipes it when done. */
  public byte[] secretKey() {
    assertOpen();
    return secretKey.clone();
  }

  /** Ed25519 detached signature over {@code message}. */
  public byte[] sign(byte[] message) {
    assertOpen();
    byte[] sig = new byte[Sign.BYTES];
    if (Sodium.raw().crypto_sign_detached(sig, null, message, message.length, secretKey) != 0) {
      throw new IllegalStateException("crypto_sign_detached failed");
    }
    return sig;
  }

  /**
   * Curve25519 Diffie-Hellman with this pair's secret key in Curve25519 form: writes
   * {@code crypto_scalarmult(curve(secret), point)} into the 32 bytes of {@code out}.
   *
   * @return false if libsodium refuses {@code point} (a low-order point, whose product is all zeros); then
   *     {@code out} holds nothing to use
   */
  public boolean x25519(byte[] out, byte[] point) {
    if (out.length != CURVE_BYTES || point.length != CURVE_BYTES) {
      throw new IllegalArgumentException("x25519 takes 32-byte arrays: out " + out.length + ", point " + point.length);
    }
    assertOpen();
    return Sodium.raw().crypto_scalarmult(out, curveSecretKey, point) == 0;
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("key pair is closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Sodium.raw().sodium_memzero(secretKey, secretKey.length);
      Sodium.raw().sodium_memzero(curveSecretKey, curveSecretKey.length);
    }
  }

  @Override
  public String toString() {
    return "KeyPair[" + id().shortText() + "]";
  }
}
