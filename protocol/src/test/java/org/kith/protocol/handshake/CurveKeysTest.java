package org.kith.protocol.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.kith.protocol.identity.KeyPair;
import org.kith.sodium.Sodium;

class CurveKeysTest {
  @Test
  void remembered_form_isLibsodiumsConversion_everyTime_andCallersCannotChangeIt() {
    for (int i = 0; i < CurveKeys.CAPACITY + 10; i += 997) {
      byte[] seed = new byte[32];
      Arrays.fill(seed, (byte) i);
      seed[0] = (byte) (i >> 8);
      KeyPair kp = KeyPair.fromSeed(seed);
      byte[] expected = new byte[32];
      Sodium.raw().crypto_sign_ed25519_pk_to_curve25519(expected, kp.publicKey());
      byte[] first = CurveKeys.of(kp.publicKey());
      assertArrayEquals(expected, first);
      Arrays.fill(first, (byte) 0); // a caller scribbling on its copy must not reach the cache
      byte[] second = CurveKeys.of(kp.publicKey());
      assertArrayEquals(expected, second);
      assertNotSame(first, second);
    }
  }

  @Test
  void aKeyWithNoCurveForm_isRefused_everyTime() {
    byte[] smallOrder = new byte[32]; // the identity point's encoding is 01 00..00; all zeros is of small order
    assertNull(CurveKeys.of(smallOrder));
    assertNull(CurveKeys.of(smallOrder));
    byte[] notAPoint = new byte[32];
    Arrays.fill(notAPoint, (byte) 0xff);
    assertNull(CurveKeys.of(notAPoint));
  }
}
