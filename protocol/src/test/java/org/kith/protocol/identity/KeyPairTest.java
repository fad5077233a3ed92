package org.kith.protocol.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.kith.sodium.Sodium;

class KeyPairTest {
  private static byte[] seed(int b) {
    byte[] s = new byte[KeyPair.SEED_BYTES];
    Arrays.fill(s, (byte) b);
    return s;
  }

  @Test
  void fromSecretKey_mismatchedHalves_rejected() {
    try (KeyPair kp = KeyPair.fromSeed(seed(0x31))) {
      byte[] sk = kp.secretKey();
      sk[63] ^= 1;
      assertThrows(IllegalArgumentException.class, () -> KeyPair.fromSecretKey(sk));
    }
    assertThrows(IllegalArgumentException.class, () -> KeyPair.fromSecretKey(new byte[64]));
  }

  @Test
  void wrongLengths_rejected() {
    assertThrows(IllegalArgumentException.class, () -> KeyPair.fromSecretKey(new byte[63]));
    assertThrows(IllegalArgumentException.class, () -> KeyPair.fromSecretKey(new byte[65]));
    assertThrows(IllegalArgumentException.class, () -> KeyPair.fromSeed(new byte[31]));
    try (KeyPair kp = KeyPair.fromSeed(seed(1))) {
      assertThrows(IllegalArgumentException.class, () -> kp.x25519(new byte[31], new byte[32]));
      assertThrows(IllegalArgumentException.class, () -> kp.x25519(new byte[32], new byte[33]));
    }
  }

  /** Both sides of a Diffie-Hellman over the Curve25519 forms of two Ed25519 pairs agree. */
  @Test
  void x25519_agreesBothWays_andRefusesALowOrderPoint() {
    try (KeyPair a = KeyPair.fromSeed(seed(1)); KeyPair b = KeyPair.fromSeed(seed(2))) {
      byte[] ab = new byte[32];
      byte[] ba = new byte[32];
      assertTrue(a.x25519(ab, curve(b.publicKey())));
      assertTrue(b.x25519(ba, curve(a.publicKey())));
      assertArrayEquals(ab, ba);
      assertFalse(Arrays.equals(new byte[32], ab));
      assertFalse(a.x25519(new byte[32], new byte[32]), "the all-zero point is low order");
    }
  }

  @Test
  void copy_outlivesTheOriginal() {
    KeyPair original = KeyPair.fromSeed(seed(3));
    KeyPair copy = original.copy();
    original.close();
    assertThrows(IllegalStateException.class, () -> original.sign(new byte[1]));
    byte[] msg = {1, 2, 3};
    byte[] sig = copy.sign(msg);
    assertEquals(0, Sodium.raw().crypto_sign_verify_detached(sig, msg, msg.length, copy.publicKey()));
    copy.close();
  }

  @Test
  void closed_refusesEverySecretUse_butStillNamesItself() {
    KeyPair kp = KeyPair.fromSeed(seed(4));
    byte[] publicKey = kp.publicKey();
    kp.close();
    kp.close();
    assertThrows(IllegalStateException.class, kp::secretKey);
    assertThrows(IllegalStateException.class, () -> kp.sign(new byte[1]));
    assertThrows(IllegalStateException.class, () -> kp.x25519(new byte[32], curve(publicKey)));
    assertThrows(IllegalStateException.class, kp::copy);
    assertArrayEquals(publicKey, kp.publicKey());
    assertFalse(kp.toString().contains(HexFormat.of().formatHex(seed(4))));
  }

  private static byte[] curve(byte[] edPublicKey) {
    byte[] out = new byte[32];
    assertEquals(0, Sodium.raw().crypto_sign_ed25519_pk_to_curve25519(out, edPublicKey));
    return out;
  }
}
