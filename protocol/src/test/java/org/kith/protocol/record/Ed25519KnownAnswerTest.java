package org.kith.protocol.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.kith.protocol.record.RecordFixtures.HEX;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kith.sodium.Sodium;

/** Ed25519 itself, through the libsodium our signer and verifier call. */
class Ed25519KnownAnswerTest {

  /** RFC 8032 section 7.1, TEST 1 (empty message), TEST 2 (one byte), TEST 3 (two bytes). */
  @ParameterizedTest(name = "RFC 8032 7.1 TEST {0}")
  @CsvSource({
    "1, 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60,"
        + " d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, '',"
        + " e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    "2, 4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb,"
        + " 3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c, 72,"
        + " 92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    "3, c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7,"
        + " fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025, af82,"
        + " 6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
  })
  void rfc8032_signAndVerify(int test, String seedHex, String pkHex, String msgHex, String sigHex) {
    byte[] pk = new byte[32];
    byte[] sk = new byte[64];
    Sodium.raw().crypto_sign_seed_keypair(pk, sk, HEX.parseHex(seedHex));
    assertEquals(pkHex, HEX.formatHex(pk), "public key, test " + test);
    byte[] msg = HEX.parseHex(msgHex);
    byte[] sig = new byte[64];
    Sodium.raw().crypto_sign_detached(sig, null, msg, msg.length, sk);
    assertArrayEquals(HEX.parseHex(sigHex), sig, "signature, test " + test);
    assertEquals(0, Sodium.raw().crypto_sign_verify_detached(sig, msg, msg.length, pk));
  }

  /**
   * spec/vectors/ed25519-speccheck.json: the 12 cases of "Taming the many EdDSAs", each run through
   * crypto_sign_verify_detached on the raw message, with libsodium's decision pinned. libsodium rejects
   * small-order A and R (blocklist), non-canonical encodings and S >= L, and checks the cofactorless
   * equation; what it accepts of the 12 is exactly the pinned set. A change means a libsodium upgrade
   * changed which signatures Kith accepts: update the spec (section 7) before the pins.
   */
  @Test
  void speccheck_libsodiumDecisionsPinned() throws Exception {
    JsonObject root = JsonParser.parseString(
        Files.readString(RecordFixtures.vectors("ed25519-speccheck.json"))).getAsJsonObject();
    List<String> expected = new ArrayList<>();
    List<String> actual = new ArrayList<>();
    for (JsonElement e : root.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      byte[] msg = HEX.parseHex(c.get("message").getAsString());
      byte[] pk = HEX.parseHex(c.get("pub_key").getAsString());
      byte[] sig = HEX.parseHex(c.get("signature").getAsString());
      boolean accepted = Sodium.raw().crypto_sign_verify_detached(sig, msg, msg.length, pk) == 0;
      int i = c.get("index").getAsInt();
      expected.add(i + ":" + c.get("libsodium").getAsString());
      actual.add(i + ":" + (accepted ? "accept" : "reject"));
    }
    assertEquals(12, actual.size(), "the paper has 12 cases");
    assertEquals(expected, actual);
  }
}
