package org.kith.protocol.boxstream;

/**
 * Box-stream as in the reference pull-box-stream 1.0.13. Each body of 1 to 4096 bytes travels as
 *
 * <pre>
 * secretbox_n(len[2, big-endian] || body MAC[16], key)   34 bytes, the header
 * secretbox_detached_(n+1)(body, key) without its MAC   len bytes, the body
 * </pre>
 *
 * after which the nonce is n+2 (the 24-byte nonce is a big-endian counter). The stream ends with the goodbye:
 * a header whose 18 plaintext bytes are zero. Bodies longer than 4096 bytes are split.
 */
public final class BoxStream {
  /** The largest body in one box; the reference splits longer writes at this size. */
  public static final int MAX_BODY_BYTES = 4096;

  /** Encrypted header: 2-byte length and 16-byte body MAC, plus the header's own 16-byte MAC. */
  public static final int HEADER_BYTES = 34;

  static final int HEADER_PLAIN_BYTES = 18;
  static final int MAC_BYTES = 16;
  static final int KEY_BYTES = 32;
  static final int NONCE_BYTES = 24;

  private BoxStream() {}

  /** Bytes on the wire for {@code bodyBytes} of data, not counting the goodbye. */
  public static long encodedLength(long bodyBytes) {
    if (bodyBytes < 0) {
      throw new IllegalArgumentException("bodyBytes < 0: " + bodyBytes);
    }
    long boxes = (bodyBytes + MAX_BODY_BYTES - 1) / MAX_BODY_BYTES;
    return bodyBytes + boxes * HEADER_BYTES;
  }

  /** Big-endian increment of the whole nonce, carrying across bytes, as the reference's increment-buffer. */
  static void increment(byte[] nonce, int offset) {
    for (int i = offset + NONCE_BYTES - 1; i >= offset; i--) {
      if (++nonce[i] != 0) {
        return;
      }
    }
  }

  static void check(byte[] key, byte[] nonce) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("key length != 32: " + key.length);
    }
    if (nonce.length != NONCE_BYTES) {
      throw new IllegalArgumentException("nonce length != 24: " + nonce.length);
    }
  }
}
