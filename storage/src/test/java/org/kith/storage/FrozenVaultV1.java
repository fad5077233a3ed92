package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * The contents of the frozen v1 vault under src/test/resources/frozen/v1/. {@link #main} wrote that file once, with
 * the production Argon2id parameters; never regenerate it for a format change: add a v2 beside it instead.
 */
public final class FrozenVaultV1 {
  static final String RESOURCE = "/frozen/v1/vault-v1.kithbak";
  static final char[] PASSPHRASE = "kith frozen v1 passphrase".toCharArray();
  static final byte[] NOTE_1_ID = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");
  static final byte[] NOTE_1 = "Frozen note one: the seed library opens on Sundays.".getBytes(UTF_8);
  static final byte[] NOTE_2_ID = HexFormat.of().parseHex("0f0e0d0c0b0a09080706050403020100");
  static final byte[] NOTE_2 = new byte[0];
  static final byte[] SOURCE_NAME = "notes/garden.md".getBytes(UTF_8);
  static final byte[] SOURCE_VALUE = "imported 2026-11-26, 2 passages".getBytes(UTF_8);
  static final byte[] RECORD_ID = HexFormat.of().parseHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  static final byte[] DELETED_ID = HexFormat.of().parseHex("deaddeaddeaddeaddeaddeaddeaddead");

  private FrozenVaultV1() {}

  static byte[] record() {
    byte[] r = new byte[2000];
    for (int i = 0; i < r.length; i++) {
      r[i] = (byte) (i * 31);
    }
    return r;
  }

  static byte[] vector() {
    byte[] v = new byte[16 * 4];
    for (int i = 0; i < v.length; i++) {
      v[i] = (byte) (i + 7);
    }
    return v;
  }

  /** Usage: FrozenVaultV1 OUTPUT_FILE. Writes the backup archive of a fresh vault holding the contents above. */
  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("kith-frozen");
    try (Vault v = Vault.create(work.resolve("vault"), PASSPHRASE)) {
      v.put(Store.NOTES, NOTE_1_ID, NOTE_1);
      v.put(Store.NOTES, NOTE_2_ID, NOTE_2);
      try (Batch b = v.batch()) {
        b.put(Store.VECTORS, NOTE_1_ID, vector())
            .put(Store.SOURCES, v.lookupKey(Store.SOURCES, SOURCE_NAME), SOURCE_VALUE)
            .put(Store.PEER_RECORDS, RECORD_ID, record())
            .put(Store.META, DELETED_ID, "soon gone".getBytes(UTF_8))
            .commit();
      }
      v.delete(Store.META, DELETED_ID);
      v.backup(Path.of(args[0]));
    }
  }
}
