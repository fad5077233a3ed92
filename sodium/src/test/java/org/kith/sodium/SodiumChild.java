package org.kith.sodium;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;

/** Run in a child JVM by {@link SodiumTest}: loads libsodium, prints where from, and hashes "abc" twice. */
final class SodiumChild {
  private SodiumChild() {}

  public static void main(String[] args) throws Exception {
    byte[] msg = "abc".getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[32];
    if (Sodium.raw().crypto_hash_sha256(out, msg, msg.length) != 0) {
      System.exit(3);
    }
    System.out.println(Sodium.libraryPath());
    System.out.println(HexFormat.of().formatHex(out));
    // Through Lazysodium's helpers too, so its constructors are covered by the tmpdir check.
    System.out.println(Sodium.lazy().cryptoHashSha256("abc").toLowerCase(Locale.ROOT));
  }
}
