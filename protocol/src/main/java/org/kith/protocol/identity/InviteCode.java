package org.kith.protocol.identity;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A one-time pairing invite (spec/PROTOCOL.md section 2.3): the inviter's public key, the addresses to reach
 * it, a 16-byte invite id, a 32-byte secret and an expiry, with a checksum so a mistyped code is caught.
 *
 * <pre>
 * payload = version (1 byte, 1) || inviter key (32) || invite id (16) || secret (32)
 *        || expires, unix seconds (8, big-endian) || address count (1, 1..MAX_ADDRESSES)
 *        || per address: length (1) || UTF-8 "host:port"
 * text    = "kithinv1" || base32(payload || first 4 bytes of SHA-256("kith/invite/v1" || payload))
 * </pre>
 */
public final class InviteCode {
  public static final String PREFIX = "kithinv1";
  public static final int MAX_ADDRESSES = 4;
  public static final int MAX_ADDRESS_BYTES = 100;
  public static final int ID_BYTES = 16;
  public static final int SECRET_BYTES = 32;
  private static final byte VERSION = 1;
  private static final int CHECK_BYTES = 4;
  /** The longest payload and checksum: four addresses of the longest length. */
  private static final int MAX_CODE_BYTES =
      1 + 32 + ID_BYTES + SECRET_BYTES + 8 + 1 + MAX_ADDRESSES * (1 + MAX_ADDRESS_BYTES) + CHECK_BYTES;
  /** Base32 characters of {@link #MAX_CODE_BYTES}: no longer text can be a valid code. */
  private static final int MAX_BODY_CHARS = (8 * MAX_CODE_BYTES + 4) / 5;

  private final byte[] inviterKey;
  private final byte[] inviteId;
  private final byte[] secret;
  private final long expiresAtSeconds;
  private final List<String> addresses;

  public InviteCode(byte[] inviterKey, byte[] inviteId, byte[] secret, long expiresAtSeconds, List<String> addresses) {
    if (inviterKey.length != 32) {
      throw new IllegalArgumentException("inviter key must be 32 bytes: " + inviterKey.length);
    }
    if (inviteId.length != ID_BYTES) {
      throw new IllegalArgumentException("invite id must be 16 bytes: " + inviteId.length);
    }
    if (secret.length != SECRET_BYTES) {
      throw new IllegalArgumentException("invite secret must be 32 bytes: " + secret.length);
    }
    if (addresses.isEmpty() || addresses.size() > MAX_ADDRESSES) {
      throw new IllegalArgumentException("an invite carries 1 to " + MAX_ADDRESSES + " addresses: " + addresses.size());
    }
    for (String a : addresses) {
      int n = a.getBytes(StandardCharsets.UTF_8).length;
      if (n == 0 || n > MAX_ADDRESS_BYTES) {
        throw new IllegalArgumentException("address length out of range: " + n);
      }
    }
    this.inviterKey = inviterKey.clone();
    this.inviteId = inviteId.clone();
    this.secret = secret.clone();
    this.expiresAtSeconds = expiresAtSeconds;
    this.addresses = List.copyOf(addresses);
  }

  public PublicId inviter() {
    return PublicId.ofKey(inviterKey);
  }

  public byte[] inviteId() {
    return inviteId.clone();
  }

  public byte[] secret() {
    return secret.clone();
  }

  public long expiresAtSeconds() {
    return expiresAtSeconds;
  }

  public List<String> addresses() {
    return addresses;
  }

  public String text() {
    byte[] payload = payload();
    byte[] withCheck = Arrays.copyOf(payload, payload.length + CHECK_BYTES);
    System.arraycopy(check(payload), 0, withCheck, payload.length, CHECK_BYTES);
    return PREFIX + PublicId.base32Encode(withCheck);
  }

  private byte[] payload() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.write(VERSION);
    out.writeBytes(inviterKey);
    out.writeBytes(inviteId);
    out.writeBytes(secret);
    out.writeBytes(ByteBuffer.allocate(8).putLong(expiresAtSeconds).array());
    out.write(addresses.size());
    for (String a : addresses) {
      byte[] b = a.getBytes(StandardCharsets.UTF_8);
      out.write(b.length);
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  public static InviteCode parse(String text) throws InvalidIdException {
    if (text == null || text.isBlank()) {
      throw new InvalidIdException("no invite code given");
    }
    String s = text.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s-]", "");
    if (!s.startsWith(PREFIX)) {
      throw new InvalidIdException("this is not a Kith invite: a code starts with \"" + PREFIX
          + "\"; ask the inviter to run `kith invite` and copy its first line whole");
    }
    String body = s.substring(PREFIX.length());
    for (int i = 0; i < body.length(); i++) {
      if (PublicId.ALPHABET.indexOf(body.charAt(i)) < 0) {
        throw new InvalidIdException("the invite code has a character that cannot be in it ('" + body.charAt(i)
            + "'): it was mistyped; copy it again");
      }
    }
    if (body.length() > MAX_BODY_CHARS) {
      throw new InvalidIdException("the invite code is too long: it holds more than one code, or other text;"
          + " copy the code alone");
    }
    byte[] all = PublicId.base32Decode(body);
    if (all.length < 1 + 32 + ID_BYTES + SECRET_BYTES + 8 + 1 + 2 + CHECK_BYTES) {
      throw new InvalidIdException("the invite code is too short: it was cut off; copy it whole");
    }
    byte[] payload = Arrays.copyOf(all, all.length - CHECK_BYTES);
    byte[] check = Arrays.copyOfRange(all, all.length - CHECK_BYTES, all.length);
    if (!MessageDigest.isEqual(check, Arrays.copyOf(check(payload), CHECK_BYTES))
        || !PublicId.base32Encode(all).equals(body)) {
      throw new InvalidIdException("the invite code fails its checksum: it was mistyped or cut off; copy it again");
    }
    ByteBuffer b = ByteBuffer.wrap(payload);
    try {
      byte version = b.get();
      if (version != VERSION) {
        throw new InvalidIdException("this invite was made by a newer Kith (format " + version + "); update Kith");
      }
      byte[] key = new byte[32];
      b.get(key);
      byte[] id = new byte[ID_BYTES];
      b.get(id);
      byte[] secret = new byte[SECRET_BYTES];
      b.get(secret);
      long expires = b.getLong();
      int n = b.get() & 0xff;
      if (n == 0 || n > MAX_ADDRESSES) {
        throw new InvalidIdException("the invite code is malformed (address count " + n + ")");
      }
      List<String> addrs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int len = b.get() & 0xff;
        if (len == 0 || len > MAX_ADDRESS_BYTES) {
          throw new InvalidIdException("the invite code is malformed (address length " + len + ")");
        }
        byte[] a = new byte[len];
        b.get(a);
        addrs.add(utf8(a));
      }
      if (b.hasRemaining()) {
        throw new InvalidIdException("the invite code is malformed (trailing bytes)");
      }
      return new InviteCode(key, id, secret, expires, addrs);
    } catch (java.nio.BufferUnderflowException e) {
      throw new InvalidIdException("the invite code is malformed (cut short)");
    }
  }

  /**
   * Strict UTF-8: {@code new String(bytes, UTF_8)} would replace a malformed sequence with U+FFFD, whose three
   * bytes can push an address past {@link #MAX_ADDRESS_BYTES}, and the invite would name another address
   * than the one in the code.
   */
  private static String utf8(byte[] bytes) throws InvalidIdException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidIdException("the invite code is malformed (an address is not UTF-8)");
    }
  }

  private static byte[] check(byte[] payload) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update("kith/invite/v1".getBytes(StandardCharsets.US_ASCII));
      return md.digest(payload);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    // The secret is a bearer credential: never in logs.
    return "InviteCode[inviter=" + inviter().shortText() + ", expires=" + expiresAtSeconds + "]";
  }
}
