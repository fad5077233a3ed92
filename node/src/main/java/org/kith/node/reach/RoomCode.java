package org.kith.node.reach;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import org.kith.node.base.KithException;
import org.kith.node.peers.HostPort;
import org.kith.protocol.identity.PublicId;

/**
 * A code to join a room (spec/PROTOCOL.md 12.2.2): {@code kithroom1} followed by unpadded base64url of
 *
 * <pre>
 * version (1, = 1) || room key (32) || join secret (32) || expires, unix seconds (8, big-endian)
 *   || address length (1) || UTF-8 "host:port" || checksum: first 4 bytes of SHA-256 of everything before
 * </pre>
 */
public record RoomCode(PublicId room, byte[] secret, long expiresAtSeconds, HostPort address) {
  public static final String PREFIX = "kithroom1";
  private static final int VERSION = 1;
  private static final int MAX_ADDRESS_BYTES = 100;

  public RoomCode {
    if (secret.length != RoomMessage.SECRET_BYTES) {
      throw new IllegalArgumentException("secret length != 32: " + secret.length);
    }
    secret = secret.clone();
  }

  @Override
  public byte[] secret() {
    return secret.clone();
  }

  public String text() {
    byte[] addr = address.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 32 + 32 + 8 + 1 + addr.length + 4);
    b.put((byte) VERSION).put(room.key()).put(secret).putLong(expiresAtSeconds).put((byte) addr.length).put(addr);
    b.put(checksum(b.array(), b.position()));
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
  }

  /** Parses a code as typed or pasted (surrounding spaces allowed); refuses anything else with what to do. */
  public static RoomCode parse(String text) throws KithException {
    String s = text == null ? "" : text.strip();
    String bad = "this is not a room code (it starts with " + PREFIX + "; copy it again from `kith room invite`)";
    if (!s.startsWith(PREFIX)) {
      throw KithException.badInput(bad);
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(s.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw KithException.badInput(bad);
    }
    if (raw.length < 1 + 32 + 32 + 8 + 1 + 4) {
      throw KithException.badInput("the room code is too short: copy it again, whole");
    }
    int n = raw[73] & 0xff;
    if (n > MAX_ADDRESS_BYTES || raw.length != 74 + n + 4) {
      throw KithException.badInput("the room code is damaged (its length is wrong): copy it again, whole");
    }
    if (!MessageDigest.isEqual(checksum(raw, raw.length - 4), Arrays.copyOfRange(raw, raw.length - 4, raw.length))) {
      throw KithException.badInput("the room code is damaged (its checksum does not match): copy it again, whole");
    }
    if (raw[0] != VERSION) {
      throw KithException.badInput("the room code is of version " + raw[0] + ", which this Kith does not know:"
          + " update Kith");
    }
    ByteBuffer b = ByteBuffer.wrap(raw);
    b.get();
    byte[] key = new byte[32];
    b.get(key);
    byte[] secret = new byte[32];
    b.get(secret);
    long expires = b.getLong();
    b.get();
    byte[] addr = new byte[n];
    b.get(addr);
    HostPort hp = HostPort.tryParse(new String(addr, StandardCharsets.UTF_8)).orElseThrow(() ->
        KithException.badInput("the room code carries no usable HOST:PORT: ask for a new code"));
    return new RoomCode(PublicId.ofKey(key), secret, expires, hp);
  }

  private static byte[] checksum(byte[] data, int length) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(data, 0, length);
      return Arrays.copyOf(d.digest(), 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always there", e);
    }
  }

  @Override
  public String toString() {
    return "RoomCode[" + room.shortText() + "@" + address + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RoomCode c && c.room.equals(room) && Arrays.equals(c.secret, secret)
        && c.expiresAtSeconds == expiresAtSeconds && c.address.equals(address);
  }

  @Override
  public int hashCode() {
    return room.hashCode() * 31 + address.hashCode();
  }
}
