package org.kith.protocol.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A node's public identity: its Ed25519 public key, shown as a self-checking text id.
 *
 * <p>Text form (spec/PROTOCOL.md section 2): {@code "kith1"} followed by the RFC 4648 base32 of the 32-byte
 * key (lowercase, no padding, 52 characters), cut into four groups of 13 characters, each followed by one
 * Luhn mod 32 check character, as Syncthing does for device ids: 56 characters after the prefix. Any single
 * mistyped character, and most swaps of two neighbours, change a check character, so a mistyped id is caught
 * instead of naming somebody else. Parsing ignores case, spaces and dashes.
 */
public final class PublicId {
  public static final String PREFIX = "kith1";
  public static final int KEY_BYTES = 32;
  static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
  private static final int GROUP = 13;
  private static final int TEXT_CHARS = 56;

  private final byte[] key;

  private PublicId(byte[] key) {
    this.key = key;
  }

  public static PublicId ofKey(byte[] publicKey) {
    if (publicKey == null || publicKey.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "public key must be 32 bytes: " + (publicKey == null ? "null" : publicKey.length));
    }
    return new PublicId(publicKey.clone());
  }

  public static PublicId ofHex(String hex) throws InvalidIdException {
    byte[] k;
    try {
      k = HexFormat.of().parseHex(hex.trim());
    } catch (IllegalArgumentException e) {
      throw new InvalidIdException("not a hex key: expected 64 hex characters");
    }
    if (k.length != KEY_BYTES) {
      throw new InvalidIdException("not a key: expected 64 hex characters, got " + hex.trim().length());
    }
    return new PublicId(k);
  }

  /** Parses a {@code kith1...} id, or a 64-character hex public key. */
  public static PublicId parse(String text) throws InvalidIdException {
    if (text == null) {
      throw new InvalidIdException("no id given");
    }
    String s = text.strip().toLowerCase(java.util.Locale.ROOT).replace("-", "").replace(" ", "");
    if (s.length() == 2 * KEY_BYTES && s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      return ofHex(s);
    }
    if (!s.startsWith(PREFIX)) {
      throw new InvalidIdException("a Kith id starts with \"kith1\"; got \"" + abbreviate(text) + "\"");
    }
    String body = s.substring(PREFIX.length());
    if (body.length() != TEXT_CHARS) {
      throw new InvalidIdException(
          "a Kith id has " + TEXT_CHARS + " characters after \"kith1\"; this one has " + body.length()
              + ": check it was copied whole");
    }
    StringBuilder b32 = new StringBuilder(4 * GROUP);
    for (int g = 0; g < 4; g++) {
      String group = body.substring(g * (GROUP + 1), g * (GROUP + 1) + GROUP);
      char check = body.charAt(g * (GROUP + 1) + GROUP);
      for (int i = 0; i < group.length(); i++) {
        if (ALPHABET.indexOf(group.charAt(i)) < 0) {
          throw new InvalidIdException("invalid character '" + group.charAt(i) + "' in Kith id");
        }
      }
      if (ALPHABET.indexOf(check) < 0 || luhn32(group) != check) {
        throw new InvalidIdException(
            "Kith id fails its check (group " + (g + 1) + " of 4): it was probably mistyped; copy it again");
      }
      b32.append(group);
    }
    return new PublicId(base32Decode(b32.toString()));
  }

  public byte[] key() {
    return key.clone();
  }

  public String hex() {
    return HexFormat.of().formatHex(key);
  }

  /** The canonical text id. */
  public String text() {
    String b32 = base32Encode(key);
    StringBuilder sb = new StringBuilder(PREFIX.length() + TEXT_CHARS).append(PREFIX);
    for (int g = 0; g < 4; g++) {
      String group = b32.substring(g * GROUP, (g + 1) * GROUP);
      sb.append(group).append(luhn32(group));
    }
    return sb.toString();
  }

  /**
   * A short fingerprint for comparing out of band, e.g. read aloud: the first 8 bytes of
   * SHA-256("kith/fingerprint/v1" || key), as four dash-separated groups of 4 hex digits.
   */
  public String fingerprint() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update("kith/fingerprint/v1".getBytes(StandardCharsets.US_ASCII));
      byte[] h = md.digest(key);
      String hex = HexFormat.of().formatHex(h, 0, 8);
      return hex.substring(0, 4) + "-" + hex.substring(4, 8) + "-" + hex.substring(8, 12) + "-"
          + hex.substring(12, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  /** A short form for tables: prefix and first 8 characters. */
  public String shortText() {
    return text().substring(0, PREFIX.length() + 8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PublicId other && MessageDigest.isEqual(key, other.key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return text();
  }

  /** Luhn mod N (N = 32) over base32 characters, as in Syncthing's device ids. */
  static char luhn32(String s) {
    int factor = 1;
    int sum = 0;
    int n = ALPHABET.length();
    for (int i = 0; i < s.length(); i++) {
      int codepoint = ALPHABET.indexOf(s.charAt(i));
      int addend = factor * codepoint;
      factor = factor == 2 ? 1 : 2;
      addend = (addend / n) + (addend % n);
      sum += addend;
    }
    int remainder = sum % n;
    int check = (n - remainder) % n;
    return ALPHABET.charAt(check);
  }

  static String base32Encode(byte[] data) {
    StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        sb.append(ALPHABET.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      sb.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
    }
    return sb.toString();
  }

  static byte[] base32Decode(String s) {
    byte[] out = new byte[s.length() * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int idx = 0;
    for (int i = 0; i < s.length(); i++) {
      buffer = (buffer << 5) | ALPHABET.indexOf(s.charAt(i));
      bits += 5;
      if (bits >= 8) {
        if (idx < out.length) {
          out[idx++] = (byte) (buffer >> (bits - 8));
        }
        bits -= 8;
      }
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() <= 16 ? s : s.substring(0, 16) + "…";
  }
}
