package org.kith.protocol.record;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import org.kith.protocol.proto.NoteContent;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.sodium.Sodium;

/** Fixed keys and records shared by the record tests, the vector files and the frame vectors. */
public final class RecordFixtures {
  private RecordFixtures() {}

  public static final HexFormat HEX = HexFormat.of();

  /** 2026-11-26T00:00:00Z. */
  public static final long T0 = 1795651200000L;

  public static final long DAY_MS = 24L * 60 * 60 * 1000;

  /** The vectors' author: seed = 32 bytes of 0x01. */
  public static final byte[] SEED = filled(32, 0x01);

  public static final byte[] SECRET_KEY;
  public static final byte[] PUBLIC_KEY;

  static {
    byte[] pk = new byte[32];
    byte[] sk = new byte[64];
    if (Sodium.raw().crypto_sign_seed_keypair(pk, sk, SEED) != 0) {
      throw new IllegalStateException("crypto_sign_seed_keypair failed");
    }
    PUBLIC_KEY = pk;
    SECRET_KEY = sk;
  }

  public static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  public static Record.Builder note(String title, String text) {
    return Record.newBuilder()
        .setAuthor(ByteString.copyFrom(PUBLIC_KEY))
        .setSeq(1)
        .setCreatedAtMs(T0)
        .setExpiresAtMs(T0 + 30 * DAY_MS)
        .setKind(RecordKind.NOTE)
        .setReach(1)
        .setAudience("neighbours")
        .setContent(NoteContent.newBuilder().setTitle(title).setText(text).addTags("garden").build().toByteString());
  }

  public static Path vectors(String file) {
    String root = System.getProperty("kith.repo.root");
    if (root == null) {
      throw new IllegalStateException("kith.repo.root is not set (surefire sets it to the repository root)");
    }
    return Path.of(root, "spec", "vectors", file);
  }

  /** Set -Dkith.vectors.write=true to regenerate the vector files from the generators in the tests. */
  public static boolean writeVectors() {
    return Boolean.getBoolean("kith.vectors.write");
  }

  public static String read(Path p) throws java.io.IOException {
    return Files.readString(p);
  }
}
