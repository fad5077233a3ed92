package org.kith.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.sun.jna.NativeLong;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.kith.sodium.Sodium;

/** Known answers for every primitive the vault uses, each with its source. */
class CryptoKnownAnswerTest {
  private static final HexFormat HEX = HexFormat.of();

  /**
   * draft-irtf-cfrg-xchacha-03, Appendix A.3.1 (AEAD_XChaCha20_Poly1305): ciphertext then tag, which is what
   * libsodium's combined mode returns and what the vault stores after the nonce.
   */
  @Test
  void xchacha20poly1305_draftVectorA31() {
    byte[] key = HEX.parseHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    byte[] nonce = HEX.parseHex("404142434445464748494a4b4c4d4e4f5051525354555657");
    byte[] aad = HEX.parseHex("50515253c0c1c2c3c4c5c6c7");
    byte[] plaintext =
        ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future,"
                + " sunscreen would be it.")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] expected =
        HEX.parseHex(
            "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
                + "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
                + "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
                + "21f9664c97637da9768812f615c68b13b52e"
                + "c0875924c1c7987947deafd8780acf49");
    assertArrayEquals(expected, VaultCrypto.aeadEncrypt(key, nonce, plaintext, aad));
    assertArrayEquals(plaintext, VaultCrypto.aeadDecrypt(key, nonce, expected, aad));
    byte[] bad = expected.clone();
    bad[bad.length - 1] ^= 1;
    assertNull(VaultCrypto.aeadDecrypt(key, nonce, bad, aad));
    assertNull(VaultCrypto.aeadDecrypt(key, nonce, expected, Arrays.copyOf(aad, 11)));
  }

  /**
   * BLAKE2 reference KAT, testvectors/blake2b-kat.txt (github.com/BLAKE2/BLAKE2): key = 00..3f, inputs empty and
   * 00, 64-byte output. The vault uses 32-byte outputs of the same function through crypto_generichash.
   */
  @Test
  void blake2bKeyed_referenceKat() {
    byte[] key = new byte[64];
    for (int i = 0; i < 64; i++) {
      key[i] = (byte) i;
    }
    assertEquals(
        "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786"
            + "b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568",
        HEX.formatHex(blake2b512(key, new byte[0])));
    assertEquals(
        "961f6dd1e4dd30f63901690c512e78e4b45e4742ed197c3c5e45c549fd25f2e4"
            + "187b0bc9fe30492b16b0d0bc4ef9b0f34c7003fac09a5ef1532e69430234cebd",
        HEX.formatHex(blake2b512(key, new byte[] {0})));
  }

  private static byte[] blake2b512(byte[] key, byte[] msg) {
    byte[] out = new byte[64];
    assertEquals(0, Sodium.raw().crypto_generichash(out, 64, msg, msg.length, key, key.length));
    return out;
  }

  /**
   * libsodium test/default/pwhash_argon2id.c, tv() case 0, expected output the first line of pwhash_argon2id.exp.
   * RFC 9106's Argon2id vector needs a secret, associated data and 4 lanes, which libsodium's API does not take;
   * libsodium's own vectors exercise the exact call the vault makes (crypto_pwhash, ALG_ARGON2ID13, 1 lane).
   */
  @Test
  void argon2id_libsodiumVector() {
    byte[] passwd =
        HEX.parseHex(
            "a347ae92bce9f80f6f595a4480fc9c2fe7e7d7148d371e9487d75f5c23008ffae0"
                + "65577a928febd9b1973a5a95073acdbeb6a030cfc0d79caa2dc5cd011cef02c08d"
                + "a232d76d52dfbca38ca8dcbd665b17d1665f7cf5fe59772ec909733b24de97d6f5"
                + "8d220b20c60d7c07ec1fd93c52c31020300c6c1facd77937a597c7a6");
    assertEquals(127, passwd.length);
    // The test reads only crypto_pwhash_SALTBYTES (16) bytes of the 32-byte hex salt.
    byte[] salt = Arrays.copyOf(HEX.parseHex("5541fbc995d5c197ba290346d2c559dedf405cf97e5f95482143202f9e74f5c2"), 16);
    byte[] out = new byte[155];
    int rc =
        Sodium.raw()
            .crypto_pwhash(out, out.length, passwd, passwd.length, salt, 5, new NativeLong(7256678), 2);
    assertEquals(0, rc);
    assertEquals(
        "18acec5d6507739f203d1f5d9f1d862f7c2cdac4f19d2bdff64487e60d969e3ced615337b9eec6ac4461c6ca07f09397"
            + "41e57c24d0005c7ea171a0ee1e7348249d135b38f222e4dad7b9a033ed83f5ca27277393e316582033c74affe2566a"
            + "2bea47f91f0fd9fe49ece7e1f79f3ad6e9b23e0277c8ecc4b313225748dd2a80f5679534a0700e246a79a49b3f74eb"
            + "89ec6205fe1eeb941c73b1fcf1",
        HEX.formatHex(out));
  }

  /**
   * Our own derivations, pinned: if one of these changes, every existing vault stops opening. The two keys were
   * cross-checked with Python's hashlib.blake2b (an independent BLAKE2b), using crypto_kdf's definition: BLAKE2b-256
   * keyed with the master key, salt = subkey id (8 bytes little-endian) || 8 zero bytes, personal = context || 8
   * zero bytes. Inputs and outputs are listed in spec/VAULT.md, "Test vectors".
   */
  @Test
  void vaultDerivations_pinned() {
    byte[] m = new byte[32];
    for (int i = 0; i < 32; i++) {
      m[i] = (byte) i;
    }
    try (SecretBytes master = SecretBytes.adopt(m);
        SecretBytes valueKey = VaultCrypto.valueKey(master);
        SecretBytes lookup = VaultCrypto.lookupStoreKey(master, "sources")) {
      assertEquals(VAULT_VALUE_KEY, HEX.formatHex(valueKey.bytes()));
      assertEquals(VAULT_LOOKUP_SOURCES_KEY, HEX.formatHex(lookup.bytes()));
      byte[] nonce = new byte[24];
      byte[] sealedCt =
          VaultCrypto.aeadEncrypt(
              valueKey.bytes(),
              nonce,
              "hello".getBytes(StandardCharsets.US_ASCII),
              VaultCrypto.valueAad("notes".getBytes(StandardCharsets.US_ASCII), new byte[] {1, 2, 3}));
      assertEquals(VAULT_SEALED_HELLO, HEX.formatHex(sealedCt));
    }
  }

  static final String VAULT_VALUE_KEY = "76cdcefe2e95727e1062a41b7100145e57071878a6835e3b540b710a87ded888";
  static final String VAULT_LOOKUP_SOURCES_KEY = "9e3c67df1a60f025ea87108a0aa74f5d9acf293d684c7fa08f88e2c9bc8c0f68";
  static final String VAULT_SEALED_HELLO = "2071f7d4cbd7158befc9156984f6c8b290ca99bbb5";
}
