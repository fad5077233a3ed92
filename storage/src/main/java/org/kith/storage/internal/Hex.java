package org.kith.storage.internal;

/** Lower-case hex, for record names in messages and for tests. */
public final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  public static String encode(byte[] b) {
    char[] out = new char[b.length * 2];
    for (int i = 0; i < b.length; i++) {
      out[2 * i] = DIGITS[(b[i] >> 4) & 0xf];
      out[2 * i + 1] = DIGITS[b[i] & 0xf];
    }
    return new String(out);
  }

  public static byte[] decode(String s) {
    String t = s.replaceAll("\\s", "");
    if (t.length() % 2 != 0) {
      throw new IllegalArgumentException("odd hex length: " + t.length());
    }
    byte[] out = new byte[t.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(t.charAt(2 * i), 16);
      int lo = Character.digit(t.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("not hex at " + 2 * i);
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }
}
