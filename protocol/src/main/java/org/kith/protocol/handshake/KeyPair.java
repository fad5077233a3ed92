package org.kith.protocol.handshake;

import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.sodium.Sodium;

/**
 * A long-term Ed25519 key pair as the handshake needs it: the 32-byte public key, libsodium's 64-byte secret
 * key (seed || public key), and the Curve25519 form of the secret key, derived once because every handshake
 * needs it. {@link #close()} wipes the secret bytes.
 */
public final class KeyPair implements AutoCloseable {
  public static final int PUBLIC_KEY_BYTES = 32;
  public static final int SECRET_KEY_BYTES = 64;
  public static final int SEED_BYTES = 32;

  private final byte[] publicKey;
  private final byte[] secretKey;
  private final byte[] curveSecretKey = new byte[32];
  private final AtomicBoolean closed = new AtomicBoolean();

  private KeyPair(byte[] publicKey, byte[] secretKey) {
    this.publicKey = publicKey;
    this.secretKey = secretKey;
    if (Sodium.raw().crypto_sign_ed25519_sk_to_curve25519(curveSecretKey, secretKey) != 0) {
      throw new IllegalArgumentException("secret key has no Curve25519 form");
    }
  }

  /** Copies both arrays; {@code secretKey} is libsodium's 64-byte form, whose last 32 bytes are the public key. */
  public static KeyPair of(byte[] publicKey, byte[] secretKey) {
    if (publicKey.length != PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("public key length != 32: " + publicKey.length);
    }
    if (secretKey.length != SECRET_KEY_BYTES) {
      throw new IllegalArgumentException("secret key length != 64: " + secretKey.length);
    }
    for (int i = 0; i < 32; i++) {
      if (secretKey[32 + i] != publicKey[i]) {
        throw new IllegalArgumentException("public key does not match the secret key");
      }
    }
    return new KeyPair(publicKey.clone(), secretKey.clone());
  }

  /** The key pair libsodium's {@code crypto_sign_seed_keypair} derives from a 32-byte seed. */
  public static KeyPair fromSeed(byte[] seed) {
    if (seed.length != SEED_BYTES) {
      throw new IllegalArgumentException("seed length != 32: " + seed.length);
    }
    byte[] pk = new byte[32];
    byte[] sk = new byte[64];
    Sodium.raw().crypto_sign_seed_keypair(pk, sk, seed);
    return new KeyPair(pk, sk);
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  byte[] rawPublicKey() {
    assertOpen();
    return publicKey;
  }

  byte[] rawSecretKey() {
    assertOpen();
    return secretKey;
  }

  byte[] rawCurveSecretKey() {
    assertOpen();
    return curveSecretKey;
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("key pair closed");
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
    return "KeyPair[public=" + HexFormat.of().formatHex(publicKey, 0, 4) + "...]";
  }
}
