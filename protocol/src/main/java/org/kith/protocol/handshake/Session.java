package org.kith.protocol.handshake;

import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.sodium.Sodium;

/**
 * What a completed handshake yields: the peer's long-term public key and the keys and starting nonces for the
 * two box-streams, one per direction. Our encrypt key and nonce are the peer's decrypt key and nonce.
 * {@link #close()} wipes the keys; box-stream coders hold their own copies.
 */
public final class Session implements AutoCloseable {
  private final byte[] remotePublicKey;
  private final byte[] encryptKey;
  private final byte[] encryptNonce;
  private final byte[] decryptKey;
  private final byte[] decryptNonce;
  private final AtomicBoolean closed = new AtomicBoolean();

  Session(byte[] remotePublicKey, byte[] encryptKey, byte[] encryptNonce, byte[] decryptKey,
      byte[] decryptNonce) {
    this.remotePublicKey = remotePublicKey;
    this.encryptKey = encryptKey;
    this.encryptNonce = encryptNonce;
    this.decryptKey = decryptKey;
    this.decryptNonce = decryptNonce;
  }

  /** The peer's Ed25519 public key, proven by its signature during the handshake. */
  public byte[] remotePublicKey() {
    return remotePublicKey.clone();
  }

  /** 32-byte secretbox key for what we send. */
  public byte[] encryptKey() {
    assertOpen();
    return encryptKey.clone();
  }

  /** 24-byte starting nonce for what we send. */
  public byte[] encryptNonce() {
    assertOpen();
    return encryptNonce.clone();
  }

  /** 32-byte secretbox key for what we receive. */
  public byte[] decryptKey() {
    assertOpen();
    return decryptKey.clone();
  }

  /** 24-byte starting nonce for what we receive. */
  public byte[] decryptNonce() {
    assertOpen();
    return decryptNonce.clone();
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("session closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Sodium.raw().sodium_memzero(encryptKey, encryptKey.length);
      Sodium.raw().sodium_memzero(decryptKey, decryptKey.length);
    }
  }

  @Override
  public String toString() {
    return "Session[remote=" + HexFormat.of().formatHex(remotePublicKey, 0, 4) + "...]";
  }
}
