package org.kith.protocol.handshake;

/** Hex for messages about public keys only. */
final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  static String encode(byte[] b, int n) {
    StringBuilder s = new StringBuilder(2 * n);
    for (int i = 0; i < Math.min(n, b.length); i++) {
      s.append(DIGITS[(b[i] >> 4) & 0xf]).append(DIGITS[b[i] & 0xf]);
    }
    return s.toString();
  }
}
