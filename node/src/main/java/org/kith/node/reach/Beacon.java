package org.kith.node.reach;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import org.kith.protocol.identity.PublicId;
import org.kith.sodium.Sodium;

/**
 * The LAN beacon (spec/PROTOCOL.md, "LAN discovery"): one UDP datagram of {@value #SIZE} bytes saying "a Kith node
 * listens on this port of the machine that sent this", and whose node it is only to someone who already knows the
 * node's key. The tag is BLAKE2b-256 keyed with the node's public key over {@code "kith/lan/v1" || window}, where
 * the window is the Unix time divided by {@link #WINDOW_SECONDS}: a paired peer recomputes it for each key it
 * knows; a stranger learns nothing it could link to the key, and can link two beacons only within one window.
 *
 * <pre>
 *   magic "KITHLAN1" (8) | port u16 | window u64 | tag (32)      all big-endian
 * </pre>
 */
public record Beacon(int port, long window, byte[] tag) {
  public static final int SIZE = 8 + 2 + 8 + 32;
  public static final long WINDOW_SECONDS = 600;
  private static final byte[] MAGIC = "KITHLAN1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONTEXT = "kith/lan/v1".getBytes(StandardCharsets.US_ASCII);

  /** Not a beacon: wrong size, wrong magic or an impossible port. */
  public static final class MalformedBeacon extends Exception {
    MalformedBeacon(String message) {
      super(message);
    }
  }

  public Beacon {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    if (tag.length != 32) {
      throw new IllegalArgumentException("a tag is 32 bytes");
    }
    tag = tag.clone();
  }

  @Override
  public byte[] tag() {
    return tag.clone();
  }

  /** The beacon of the node with key {@code id} listening on {@code port}, at time {@code now}. */
  public static Beacon of(PublicId id, int port, Instant now) {
    long w = windowOf(now);
    return new Beacon(port, w, tag(id, w));
  }

  public static long windowOf(Instant now) {
    return Math.floorDiv(now.getEpochSecond(), WINDOW_SECONDS);
  }

  /** BLAKE2b-256, keyed with the 32 bytes of {@code id}, over {@code "kith/lan/v1" || window}. */
  public static byte[] tag(PublicId id, long window) {
    byte[] msg = ByteBuffer.allocate(CONTEXT.length + 8).put(CONTEXT).putLong(window).array();
    byte[] key = id.key();
    byte[] out = new byte[32];
    if (Sodium.raw().crypto_generichash(out, out.length, msg, msg.length, key, key.length) != 0) {
      throw new IllegalStateException("crypto_generichash failed");
    }
    return out;
  }

  /** Whether this beacon is {@code id}'s for a window within one of {@code now}'s (clocks drift). */
  public boolean isFrom(PublicId id, Instant now) {
    long w = windowOf(now);
    return Math.abs(window - w) <= 1 && MessageDigest.isEqual(tag, tag(id, window));
  }

  public byte[] encode() {
    return ByteBuffer.allocate(SIZE).put(MAGIC).putShort((short) port).putLong(window).put(tag).array();
  }

  /** Reads exactly one beacon; allocates nothing before the length is checked. */
  public static Beacon decode(byte[] b, int len) throws MalformedBeacon {
    if (len != SIZE) {
      throw new MalformedBeacon("a beacon is " + SIZE + " bytes, not " + len);
    }
    if (!Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new MalformedBeacon("not a Kith beacon");
    }
    ByteBuffer bb = ByteBuffer.wrap(b, MAGIC.length, SIZE - MAGIC.length);
    int port = Short.toUnsignedInt(bb.getShort());
    long window = bb.getLong();
    byte[] tag = new byte[32];
    bb.get(tag);
    if (port == 0) {
      throw new MalformedBeacon("a beacon's port cannot be 0");
    }
    return new Beacon(port, window, tag);
  }
}
