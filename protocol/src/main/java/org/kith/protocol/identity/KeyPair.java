package org.kith.protocol.identity;

import com.goterl.lazysodium.interfaces.Sign;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.sodium.Sodium;

/**
 * An Ed25519 key pair. The 64-byte libsodium secret key (seed || public key) never leaves this object except
 * through {@link #secretKey()} for signing and for sealing into the vault; {@link #close()} wipes it.
 */
public final class KeyPair implements AutoCloseable {
  private final byte[] publicKey;
  private final byte[] secretKey;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KeyPair(byte[] publicKey, byte[] secretKey) {
    this.publicKey = publicKey;
    this.secretKey = secretKey;
  }

  public static KeyPair generate() {
    byte[] pk = new byte[Sign.PUBLICKEYBYTES];
    byte[] sk = new byte[Sign.SECRETKEYBYTES];
    if (Sodium.raw().crypto_sign_keypair(pk, sk) != 0) {
      throw new IllegalStateException("crypto_sign_keypair failed");
    }
    return new KeyPair(pk, sk);
  }

  public static KeyPair fromSeed(byte[] seed) {
    if (seed.length != Sign.SEEDBYTES) {
      throw new IllegalArgumentException("seed must be 32 bytes: " + seed.length);
    }
    byte[] pk = new byte[Sign.PUBLICKEYBYTES];
    byte[] sk = new byte[Sign.SECRETKEYBYTES];
    if (Sodium.raw().crypto_sign_seed_keypair(pk, sk, seed) != 0) {
      throw new IllegalStateException("crypto_sign_seed_keypair failed");
    }
    return new KeyPair(pk, sk);
  }

  /** Rebuilds a pair from a stored 64-byte secret key, checking that its public half matches. */
  public static KeyPair fromSecretKey(byte[] secretKey64) {
    if (secretKey64.length != Sign.SECRETKEYBYTES) {
      throw new IllegalArgumentException("secret key must be 64 bytes: " + secretKey64.length);
    }
    KeyPair derived = fromSeed(Arrays.copyOfRange(secretKey64, 0, Sign.SEEDBYTES));
    if (!MessageDigest.isEqual(derived.secretKey, secretKey64)) {
      derived.close();
      throw new IllegalArgumentException("secret key is inconsistent: its public half does not match its seed");
    }
    return derived;
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  public PublicId id() {
    return PublicId.ofKey(publicKey);
  }

  /** A copy of the 64-byte secret key; the caller wipes it when done. */
  public byte[] secretKey() {
    if (closed.get()) {
      throw new IllegalStateException("key pair is closed");
    }
    return secretKey.clone();
  }

  /** Ed25519 detached signature over {@code message}. */
  public byte[] sign(byte[] message) {
    if (closed.get()) {
      throw new IllegalStateException("key pair is closed");
    }
    byte[] sig = new byte[Sign.BYTES];
    if (Sodium.raw().crypto_sign_detached(sig, null, message, message.length, secretKey) != 0) {
      throw new IllegalStateException("crypto_sign_detached failed");
    }
    return sig;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Arrays.fill(secretKey, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "KeyPair[" + id().shortText() + "]";
  }
}
