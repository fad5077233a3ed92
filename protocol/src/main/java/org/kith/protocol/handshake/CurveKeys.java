package org.kith.protocol.handshake;

import java.util.LinkedHashMap;
import java.util.Map;
import org.kith.protocol.identity.PublicId;
import org.kith.sodium.Sodium;

/**
 * Ed25519 public keys in their Curve25519 form, remembered for the keys a node meets again and again (its
 * peers reconnect; it dials the same peers). libsodium's conversion checks that the point is in the main
 * subgroup, which costs about as much as a scalar multiplication; the result depends only on the public key,
 * so it is safe to reuse. Keys that fail the conversion are never remembered. Bounded, least recently used.
 */
final class CurveKeys {
  static final int CAPACITY = 4096;

  private static final Map<PublicId, byte[]> CACHE = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<PublicId, byte[]> eldest) {
      return size() > CAPACITY;
    }
  };

  private CurveKeys() {}

  /** The Curve25519 form of {@code ed25519PublicKey}, or null when it has none (not a valid point). */
  static byte[] of(byte[] ed25519PublicKey) {
    PublicId k = PublicId.ofKey(ed25519PublicKey);
    synchronized (CACHE) {
      byte[] hit = CACHE.get(k);
      if (hit != null) {
        return hit.clone();
      }
    }
    byte[] curve = new byte[32];
    if (Sodium.raw().crypto_sign_ed25519_pk_to_curve25519(curve, ed25519PublicKey) != 0) {
      return null;
    }
    synchronized (CACHE) {
      CACHE.put(k, curve.clone());
    }
    return curve;
  }
}
