package org.kith.protocol.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kith.protocol.FuzzSupport;

/**
 * Fuzz targets for {@link InviteCode#parse} (spec/PROTOCOL.md section 2.3): any text gives an invite that
 * round-trips, or {@link InvalidIdException}. Random text almost never passes the checksum, so the second
 * target takes the fuzz input as the binary payload and adds the prefix, base32 and a correct checksum.
 */
class InviteCodeFuzzTest {

  @FuzzTest
  void parse_anyText(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    try {
      checkRoundTrip(InviteCode.parse(text));
    } catch (InvalidIdException expected) {
      // refused
    }
  }

  @FuzzTest
  void parse_anyPayload(byte[] payload) {
    String text = text(payload);
    InviteCode code;
    try {
      code = InviteCode.parse(text);
    } catch (InvalidIdException expected) {
      return;
    }
    assertEquals(text, code.text(), "the invite does not name exactly what was sent");
    checkRoundTrip(code);
  }

  private static void checkRoundTrip(InviteCode code) {
    assertTrue(code.addresses().size() >= 1 && code.addresses().size() <= InviteCode.MAX_ADDRESSES);
    for (String a : code.addresses()) {
      int n = a.getBytes(StandardCharsets.UTF_8).length;
      assertTrue(n >= 1 && n <= InviteCode.MAX_ADDRESS_BYTES, "address of " + n + " bytes");
    }
    InviteCode back;
    try {
      back = InviteCode.parse(code.text());
    } catch (InvalidIdException e) {
      throw new AssertionError("a parsed invite's own text does not parse", e);
    }
    assertEquals(code.inviter(), back.inviter());
    assertArrayEquals(code.inviteId(), back.inviteId());
    assertArrayEquals(code.secret(), back.secret());
    assertEquals(code.expiresAtSeconds(), back.expiresAtSeconds());
    assertEquals(code.addresses(), back.addresses());
  }

  /** The text form of {@code payload}, as {@link InviteCode#text()} makes it: prefix, base32, checksum. */
  static String text(byte[] payload) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update("kith/invite/v1".getBytes(StandardCharsets.US_ASCII));
      byte[] check = md.digest(payload);
      byte[] all = Arrays.copyOf(payload, payload.length + 4);
      System.arraycopy(check, 0, all, payload.length, 4);
      return InviteCode.PREFIX + PublicId.base32Encode(all);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A payload laid out as section 2.3 says, with the address count and lengths as given. */
  static byte[] payload(int version, int count, byte[]... addresses) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(version);
    out.writeBytes(filled(32, 0x11));
    out.writeBytes(filled(InviteCode.ID_BYTES, 0x22));
    out.writeBytes(filled(InviteCode.SECRET_BYTES, 0x33));
    out.writeBytes(ByteBuffer.allocate(8).putLong(1_800_000_000L).array());
    out.write(count);
    for (byte[] a : addresses) {
      out.write(a.length);
      out.writeBytes(a);
    }
    return out.toByteArray();
  }

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void seeds_areCommitted() throws Exception {
    InviteCode one = new InviteCode(filled(32, 0x11), filled(16, 0x22), filled(32, 0x33), 1_800_000_000L,
        List.of("127.0.0.1:7347"));
    InviteCode four = new InviteCode(filled(32, 0x44), filled(16, 0x55), filled(32, 0x66), Long.MAX_VALUE,
        Collections.nCopies(4, "h".repeat(95) + ":7347"));
    Map<String, byte[]> texts = new LinkedHashMap<>();
    texts.put("valid-one-address", ascii(one.text()));
    texts.put("valid-four-long-addresses", ascii(four.text()));
    String spaced = one.text().toUpperCase().replaceAll("(.{8})", "$1-");
    texts.put("valid-upper-case-dashes", ascii("  " + spaced + "\n"));
    texts.put("edge-prefix-only", ascii(InviteCode.PREFIX));
    texts.put("edge-one-short", ascii(one.text().substring(0, one.text().length() - 1)));
    texts.put("edge-bad-character", ascii(one.text().replace('a', '1')));
    texts.put("edge-1byte", new byte[] {'k'});
    // One character past the longest code (four addresses of 100 bytes): refused before decoding.
    texts.put("edge-798-characters", ascii(InviteCode.PREFIX + "a".repeat(798)));
    FuzzSupport.checkSeeds(getClass(), "parse_anyText", texts);

    byte[] addr = ascii("127.0.0.1:7347");
    Map<String, byte[]> payloads = new LinkedHashMap<>();
    payloads.put("valid-one-address", payload(1, 1, addr));
    payloads.put("valid-four-addresses-of-100", payload(1, 4, filled(100, 'h'), filled(100, 'h'), filled(100, 'h'),
        filled(100, 'h')));
    payloads.put("edge-count-0", payload(1, 0));
    payloads.put("edge-count-5", payload(1, 5, addr, addr, addr, addr, addr));
    payloads.put("edge-address-101", payload(1, 1, filled(101, 'h')));
    payloads.put("edge-address-0", payload(1, 1, new byte[0]));
    payloads.put("edge-version-2", payload(2, 1, addr));
    payloads.put("edge-count-2-one-given", payload(1, 2, addr));
    byte[] trailing = payload(1, 1, addr);
    payloads.put("edge-trailing-byte", Arrays.copyOf(trailing, trailing.length + 1));
    payloads.put("edge-1byte", new byte[] {1});
    payloads.put("edge-address-not-utf8", payload(1, 1, new byte[] {'h', (byte) 0xff, ':', '1'}));
    FuzzSupport.checkSeeds(getClass(), "parse_anyPayload", payloads);
  }
}
