package org.kith.protocol.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kith.protocol.handshake.HandshakeException.Reason;
import org.kith.protocol.identity.KeyPair;
import org.kith.sodium.Sodium;

class SecretHandshakeTest {
  private static final KeyPair CLIENT = KeyPair.fromSeed(filled(0x31));
  private static final KeyPair SERVER = KeyPair.fromSeed(filled(0x32));
  private static final KeyPair STRANGER = KeyPair.fromSeed(filled(0x33));

  @Test
  void handshake_sameKeys_completesWithMirroredSessions() throws Exception {
    AtomicReference<byte[]> seen = new AtomicReference<>();
    SecretHandshake c = SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, SERVER.publicKey());
    SecretHandshake s = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> {
      seen.set(k);
      return true;
    });
    assertEquals(SecretHandshake.HELLO_BYTES, c.expectedBytes());
    assertNull(s.nextMessage());
    byte[] m1 = c.nextMessage();
    assertNull(c.nextMessage());
    assertEquals(SecretHandshake.HELLO_BYTES, s.expectedBytes());
    s.receive(m1);
    byte[] m2 = s.nextMessage();
    assertEquals(SecretHandshake.HELLO_BYTES, m2.length);
    c.receive(m2);
    byte[] m3 = c.nextMessage();
    assertEquals(SecretHandshake.CLIENT_AUTH_BYTES, m3.length);
    assertEquals(SecretHandshake.CLIENT_AUTH_BYTES, s.expectedBytes());
    s.receive(m3);
    assertTrue(s.isComplete());
    assertArrayEquals(CLIENT.publicKey(), seen.get());
    byte[] m4 = s.nextMessage();
    assertEquals(SecretHandshake.SERVER_ACCEPT_BYTES, m4.length);
    assertFalse(c.isComplete());
    c.receive(m4);
    assertTrue(c.isComplete());
    assertEquals(0, c.expectedBytes());

    Session cs = c.session();
    Session ss = s.session();
    assertArrayEquals(cs.encryptKey(), ss.decryptKey());
    assertArrayEquals(cs.encryptNonce(), ss.decryptNonce());
    assertArrayEquals(cs.decryptKey(), ss.encryptKey());
    assertArrayEquals(cs.decryptNonce(), ss.encryptNonce());
    assertFalse(Arrays.equals(cs.encryptKey(), cs.decryptKey()));
    assertArrayEquals(SERVER.publicKey(), cs.remotePublicKey());
    assertArrayEquals(CLIENT.publicKey(), ss.remotePublicKey());
  }

  @Test
  void handshake_differentNetworkKeys_serverRejectsClientHello() throws Exception {
    NetworkKey other = NetworkKey.of(filled(7));
    SecretHandshake c = SecretHandshake.client(other, CLIENT, SERVER.publicKey());
    SecretHandshake s = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true);
    HandshakeException e = assertThrows(HandshakeException.class, () -> s.receive(c.nextMessage()));
    assertEquals(Reason.NETWORK_KEY_MISMATCH, e.reason());
    assertEquals(1, e.message());
    assertNull(s.nextMessage());
    // The server hangs up without answering; the client learns it from the closed connection.
    HandshakeException ce = assertThrows(HandshakeException.class, c::peerClosed);
    assertEquals(Reason.PEER_CLOSED, ce.reason());
    assertEquals(2, ce.message());
  }

  @Test
  void handshake_clientDialsAnotherKey_serverCannotOpenAuth() throws Exception {
    SecretHandshake c = SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, STRANGER.publicKey());
    SecretHandshake s = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true);
    s.receive(c.nextMessage());
    c.receive(s.nextMessage());
    HandshakeException e = assertThrows(HandshakeException.class, () -> s.receive(c.nextMessage()));
    assertEquals(Reason.SERVER_KEY_MISMATCH, e.reason());
    assertEquals(3, e.message());
    assertNull(s.nextMessage());
    assertEquals(Reason.PEER_CLOSED, assertThrows(HandshakeException.class, c::peerClosed).reason());
  }

  @Test
  void handshake_serverRefusesClientKey_sendsNothingAndAborts() throws Exception {
    SecretHandshake c = SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, SERVER.publicKey());
    SecretHandshake s = SecretHandshake.server(NetworkKey.KITH_V1, SERVER,
        k -> !Arrays.equals(k, CLIENT.publicKey()));
    s.receive(c.nextMessage());
    c.receive(s.nextMessage());
    HandshakeException e = assertThrows(HandshakeException.class, () -> s.receive(c.nextMessage()));
    assertEquals(Reason.CLIENT_REFUSED, e.reason());
    assertNull(s.nextMessage());
    assertFalse(s.isComplete());
    assertThrows(IllegalStateException.class, s::session);
  }

  /** Every bit of every message flipped once: the receiver must throw, never complete. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4})
  void handshake_anyBitFlippedInMessage_receiverAborts(int message) throws Exception {
    int length = message <= 2 ? 64 : message == 3 ? 112 : 80;
    for (int bit = 0; bit < 8 * length; bit++) {
      SecretHandshake c = SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, SERVER.publicKey());
      SecretHandshake s = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true);
      SecretHandshake[] receivers = {s, c, s, c};
      SecretHandshake[] senders = {c, s, c, s};
      for (int m = 1; m <= 4; m++) {
        byte[] bytes = senders[m - 1].nextMessage();
        if (m == message) {
          bytes[bit / 8] ^= (byte) (1 << (bit % 8));
          SecretHandshake receiver = receivers[m - 1];
          try {
            receiver.receive(bytes);
            fail("message " + message + " with bit " + bit + " flipped was accepted");
          } catch (HandshakeException e) {
            assertEquals(message, e.message());
          }
          assertFalse(receiver.isComplete());
          assertNull(receiver.nextMessage());
          break;
        }
        receivers[m - 1].receive(bytes);
      }
    }
  }

  /** Each message cut to every shorter length, and one byte too long: the receiver rejects it as malformed. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4})
  void receive_messageOfWrongLength_isMalformed(int message) throws Exception {
    int length = message <= 2 ? 64 : message == 3 ? 112 : 80;
    for (int len = 0; len <= length + 1; len++) {
      if (len == length) {
        continue;
      }
      SecretHandshake c = SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, SERVER.publicKey());
      SecretHandshake s = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true);
      SecretHandshake[] receivers = {s, c, s, c};
      SecretHandshake[] senders = {c, s, c, s};
      for (int m = 1; m < message; m++) {
        receivers[m - 1].receive(senders[m - 1].nextMessage());
      }
      byte[] wrong = Arrays.copyOf(senders[message - 1].nextMessage(), len);
      HandshakeException e = assertThrows(HandshakeException.class, () -> receivers[message - 1].receive(wrong));
      assertEquals(Reason.MALFORMED_MESSAGE, e.reason());
      assertEquals(message, e.message());
    }
  }

  @Test
  void receive_afterFailure_isIllegalState() {
    SecretHandshake s = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true);
    assertThrows(HandshakeException.class, () -> s.receive(new byte[64]));
    assertThrows(IllegalStateException.class, () -> s.receive(new byte[64]));
  }

  @Test
  void handshake_lowOrderEphemeralWithValidMac_isMalformed() {
    // The identity point (all zeros) has a valid MAC if the sender has the network key; the DH must still fail.
    byte[] zero = new byte[32];
    byte[] mac = new byte[32];
    Sodium.raw().crypto_auth(mac, zero, 32, NetworkKey.KITH_V1.bytes());
    byte[] hello = new byte[64];
    System.arraycopy(mac, 0, hello, 0, 32);
    SecretHandshake s = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true);
    HandshakeException e = assertThrows(HandshakeException.class, () -> s.receive(hello));
    assertEquals(Reason.MALFORMED_MESSAGE, e.reason());
  }

  static byte[] filled(int b) {
    byte[] a = new byte[32];
    Arrays.fill(a, (byte) b);
    return a;
  }
}
