package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kith.protocol.identity.PublicId;

class RoomMessageTest {
  private static final PublicId KEY = PublicId.ofKey(filled(32, 7));
  private static final byte[] ID = filled(16, 9);

  private static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  @Test
  void everyType_roundTrips_inExactly128Bytes() throws Exception {
    List<RoomMessage> all = List.of(RoomMessage.join(filled(32, 1)), RoomMessage.of(RoomMessage.Type.HERE),
        RoomMessage.of(RoomMessage.Type.LEAVE), RoomMessage.connect(KEY), RoomMessage.accept(ID),
        RoomMessage.refuse(ID), RoomMessage.of(RoomMessage.Type.PING), RoomMessage.welcome("Elm Street"),
        RoomMessage.incoming(KEY, ID), RoomMessage.spliced(KEY), RoomMessage.error(RoomMessage.Code.LIMIT, "too many"),
        RoomMessage.of(RoomMessage.Type.PONG), RoomMessage.of(RoomMessage.Type.LEFT), RoomMessage.dialBack(7347),
        RoomMessage.dialed(RoomMessage.DialResult.REACHED, new InetSocketAddress("203.0.113.7", 7347)));
    for (RoomMessage m : all) {
      byte[] wire = m.encode();
      assertEquals(RoomMessage.BYTES, wire.length, m.toString());
      assertEquals(m.type().wire, wire[0]);
      RoomMessage back = RoomMessage.decode(wire);
      assertEquals(m.type(), back.type());
      assertEquals(m.key(), back.key());
      assertEquals(m.code(), back.code());
      assertEquals(m.text(), back.text());
      if (m.tunnelId() != null) {
        assertArrayEquals(m.tunnelId(), back.tunnelId());
      }
      if (m.secret() != null) {
        assertArrayEquals(m.secret(), back.secret());
      }
      assertEquals(m.dial(), back.dial());
    }
    assertEquals(RoomMessage.Type.values().length, all.size());
  }

  @Test
  void welcome_carriesTheObservedAddress_andAnOlderRoomsPaddingReadsAsNone() throws Exception {
    for (java.net.InetSocketAddress a : List.of(new java.net.InetSocketAddress("203.0.113.7", 7205),
        new java.net.InetSocketAddress("2001:db8::1", 65535))) {
      RoomMessage back = RoomMessage.decode(RoomMessage.welcome("é".repeat(40), a).encode());
      assertEquals(a, back.observed());
      assertEquals("é".repeat(32), back.text());
    }
    assertEquals(null, RoomMessage.decode(RoomMessage.welcome("Elm Street").encode()).observed());
    byte[] bad = RoomMessage.welcome("x", new java.net.InetSocketAddress("203.0.113.7", 7205)).encode();
    bad[3] = 5; // family after type, name length, name
    assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(bad));
  }

  @Test
  void textIsCutAtACharacterBoundary_atItsLimit() throws Exception {
    String name = "é".repeat(40); // 80 bytes of UTF-8, more than 64
    RoomMessage back = RoomMessage.decode(RoomMessage.welcome(name).encode());
    assertEquals("é".repeat(32), back.text());
    String msg = "x".repeat(RoomMessage.MAX_MESSAGE_BYTES + 1);
    assertEquals(RoomMessage.MAX_MESSAGE_BYTES,
        RoomMessage.decode(RoomMessage.error(RoomMessage.Code.MALFORMED, msg).encode()).text().length());
  }

  @Test
  void malformed_isRefused() {
    assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(new byte[RoomMessage.BYTES - 1]));
    assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(new byte[RoomMessage.BYTES + 1]));
    byte[] unknown = new byte[RoomMessage.BYTES];
    unknown[0] = 99;
    assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(unknown));
    byte[] zero = new byte[RoomMessage.BYTES];
    assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(zero));
    byte[] longName = RoomMessage.welcome("a").encode();
    longName[1] = (byte) (RoomMessage.MAX_NAME_BYTES + 1);
    RoomProtocolException e = assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(longName));
    assertTrue(e.getMessage().contains("more than"), e.getMessage());
    byte[] badCode = RoomMessage.error(RoomMessage.Code.FULL, "").encode();
    badCode[1] = 0;
    assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(badCode));
  }

  @Test
  void dialBackFields_onTheWire_asSpec12_5Says() throws Exception {
    byte[] ask = RoomMessage.dialBack(0xfffe).encode();
    assertEquals(8, ask[0]);
    assertEquals((byte) 0xff, ask[1]);
    assertEquals((byte) 0xfe, ask[2]);
    byte[] v4 = RoomMessage.dialed(RoomMessage.DialResult.WRONG_KEY, new InetSocketAddress("198.51.100.2", 7347))
        .encode();
    assertArrayEquals(new byte[] {22, 2, 4, (byte) 198, 51, 100, 2, 0x1c, (byte) 0xb3}, Arrays.copyOf(v4, 9));
    RoomMessage v6 = RoomMessage.decode(RoomMessage.dialed(RoomMessage.DialResult.NO_ANSWER,
        new InetSocketAddress("2001:db8::5", 7347)).encode());
    assertEquals(InetAddress.getByName("2001:db8::5"), v6.dial().address().getAddress());
    assertEquals(7347, v6.dial().port());
    assertEquals(RoomMessage.DialResult.NO_ANSWER, v6.dial().result());
  }

  @Test
  void malformedDialBack_isRefused() {
    byte[] portZero = RoomMessage.dialBack(1).encode();
    portZero[2] = 0;
    assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(portZero));
    byte[] family = RoomMessage.dialed(RoomMessage.DialResult.REACHED, new InetSocketAddress("192.0.2.1", 1)).encode();
    family[2] = 5;
    assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(family));
    byte[] result = RoomMessage.dialed(RoomMessage.DialResult.REACHED, new InetSocketAddress("192.0.2.1", 1)).encode();
    result[1] = 9;
    assertThrows(RoomProtocolException.class, () -> RoomMessage.decode(result));
    assertThrows(IllegalArgumentException.class, () -> RoomMessage.dialBack(0));
  }

  @Test
  void toString_neverShowsTheSecret() {
    String s = RoomMessage.join(filled(32, 0x5a)).toString();
    assertTrue(!s.contains("5a") && !s.contains("90"), s);
  }
}
