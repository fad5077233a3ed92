package org.kith.protocol.handshake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The 32-byte network key (Scuttlebutt's "app key" or "caps.shs"): only peers holding the same key can
 * complete a handshake. Kith's default is {@code SHA-256("kith/network/v1")}, so a Kith node never completes a
 * handshake with Scuttlebutt's main network by accident.
 */
public final class NetworkKey {
  public static final int BYTES = 32;

  /** {@code SHA-256("kith/network/v1")} = {@code f1698310...c1e9c}; see spec/PROTOCOL.md section 3. */
  public static final NetworkKey KITH_V1 = new NetworkKey(sha256("kith/network/v1"));

  private final byte[] key;

  private NetworkKey(byte[] key) {
    this.key = key;
  }

  public static NetworkKey of(byte[] key) {
    if (key.length != BYTES) {
      throw new IllegalArgumentException("network key length != " + BYTES + ": " + key.length);
    }
    return new NetworkKey(key.clone());
  }

  public byte[] bytes() {
    return key.clone();
  }

  byte[] raw() {
    return key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NetworkKey && MessageDigest.isEqual(key, ((NetworkKey) o).key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return this == KITH_V1 || equals(KITH_V1) ? "NetworkKey[kith/network/v1]" : "NetworkKey[custom]";
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }
}
