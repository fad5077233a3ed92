package org.kith.node.notes;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/** A note's random 16-byte id; shown as 32 hex digits, and accepted as any unique prefix of 4 or more. */
public final class NoteId implements Comparable<NoteId> {
  public static final int BYTES = 16;
  private final byte[] bytes;

  private NoteId(byte[] bytes) {
    this.bytes = bytes;
  }

  public static NoteId of(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("note id must be 16 bytes: " + bytes.length);
    }
    return new NoteId(bytes.clone());
  }

  public static NoteId parseHex(String hex) {
    return of(HexFormat.of().parseHex(hex));
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public String hex() {
    return HexFormat.of().formatHex(bytes);
  }

  public String shortHex() {
    return hex().substring(0, 8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NoteId other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(NoteId o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
