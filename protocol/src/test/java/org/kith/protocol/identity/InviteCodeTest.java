package org.kith.protocol.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InviteCodeTest {
  static InviteCode sample() {
    Random r = new Random(7);
    byte[] key = new byte[32];
    byte[] id = new byte[16];
    byte[] secret = new byte[32];
    r.nextBytes(key);
    r.nextBytes(id);
    r.nextBytes(secret);
    return new InviteCode(key, id, secret, 1_800_000_000L, List.of("192.168.1.20:7347", "127.0.0.1:7347"));
  }

  @Test
  void roundTrip() throws Exception {
    InviteCode c = sample();
    InviteCode back = InviteCode.parse(c.text());
    assertEquals(c.inviter(), back.inviter());
    assertArrayEquals(c.inviteId(), back.inviteId());
    assertArrayEquals(c.secret(), back.secret());
    assertEquals(c.expiresAtSeconds(), back.expiresAtSeconds());
    assertEquals(c.addresses(), back.addresses());
    assertTrue(c.text().startsWith("kithinv1"));
    assertEquals(c.text(), InviteCode.parse("  " + c.text().toUpperCase().replace("KITHINV1", "kithinv1") + "\n").text());
  }

  @Test
  void everySingleCharacterTypo_andEveryTruncation_isCaught() {
    String text = sample().text();
    String alphabet = PublicId.ALPHABET;
    for (int i = InviteCode.PREFIX.length(); i < text.length(); i++) {
      char repl = alphabet.charAt((alphabet.indexOf(text.charAt(i)) + 1) % 32);
      String typo = text.substring(0, i) + repl + text.substring(i + 1);
      assertThrows(InvalidIdException.class, () -> InviteCode.parse(typo), "typo at " + i);
    }
    for (int len = 0; len < text.length(); len++) {
      String cut = text.substring(0, len);
      assertThrows(InvalidIdException.class, () -> InviteCode.parse(cut), "cut at " + len);
    }
  }

  @Test
  void garbage_isRefusedWithAMessage() {
    InvalidIdException e = assertThrows(InvalidIdException.class, () -> InviteCode.parse("hello world"));
    assertTrue(e.getMessage().contains("kithinv1"));
    assertThrows(InvalidIdException.class, () -> InviteCode.parse("kithinv1!!!!"));
    assertThrows(InvalidIdException.class, () -> InviteCode.parse(null));
  }

  @Test
  void toString_neverShowsTheSecret() {
    InviteCode c = sample();
    assertFalse(c.toString().contains(c.text().substring(20, 40)));
  }
}
