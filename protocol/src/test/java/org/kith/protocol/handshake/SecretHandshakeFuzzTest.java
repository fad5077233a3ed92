package org.kith.protocol.handshake;

import org.kith.protocol.identity.KeyPair;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kith.protocol.FuzzSupport;
import org.kith.sodium.Sodium;

/**
 * Fuzz targets for each receive of the Secret Handshake, both roles: the fuzz input is the peer's message at
 * that stage, after the earlier messages were exchanged honestly with fixed keys and ephemeral seeds. The
 * state machine either moves on as spec/PROTOCOL.md section 3 says or throws {@link HandshakeException}.
 *
 * <p>A hello whose MAC does not verify stops at the first check, so two more targets take the fuzz input as
 * the peer's ephemeral key and put the right MAC in front of it: they reach the shared-secret steps with any
 * point, low-order ones included.
 */
class SecretHandshakeFuzzTest {
  private static final KeyPair CLIENT = KeyPair.fromSeed(filled(0x31));
  private static final KeyPair SERVER = KeyPair.fromSeed(filled(0x32));
  private static final byte[] CLIENT_EPHEMERAL = filled(0x41);
  private static final byte[] SERVER_EPHEMERAL = filled(0x42);

  /** The four messages of an honest run with the keys above. */
  private static final byte[][] HONEST = honestRun();

  @FuzzTest
  void server_message1_anyBytes(byte[] m1) {
    SecretHandshake s = server();
    if (receive(s, m1)) {
      assertEquals(SecretHandshake.HELLO_BYTES, s.nextMessage().length);
      assertEquals(SecretHandshake.CLIENT_AUTH_BYTES, s.expectedBytes());
    }
  }

  @FuzzTest
  void client_message2_anyBytes(byte[] m2) {
    SecretHandshake c = client();
    c.nextMessage();
    if (receive(c, m2)) {
      assertEquals(SecretHandshake.CLIENT_AUTH_BYTES, c.nextMessage().length);
      assertEquals(SecretHandshake.SERVER_ACCEPT_BYTES, c.expectedBytes());
    }
  }

  @FuzzTest
  void server_message3_anyBytes(byte[] m3) {
    SecretHandshake s = server();
    assertTrue(receive(s, HONEST[0]));
    s.nextMessage();
    if (receive(s, m3)) {
      assertTrue(s.isComplete());
      assertEquals(SecretHandshake.SERVER_ACCEPT_BYTES, s.nextMessage().length);
      assertArrayEquals(CLIENT.publicKey(), s.session().remotePublicKey(), "completed with another client");
    }
  }

  @FuzzTest
  void client_message4_anyBytes(byte[] m4) {
    SecretHandshake c = client();
    c.nextMessage();
    assertTrue(receive(c, HONEST[1]));
    c.nextMessage();
    if (receive(c, m4)) {
      assertTrue(c.isComplete());
      assertArrayEquals(SERVER.publicKey(), c.session().remotePublicKey(), "completed with another server");
    }
  }

  @FuzzTest
  void server_message1_anyEphemeralKey(byte[] key) {
    SecretHandshake s = server();
    if (receive(s, hello(key))) {
      assertEquals(SecretHandshake.HELLO_BYTES, s.nextMessage().length);
    }
  }

  @FuzzTest
  void client_message2_anyEphemeralKey(byte[] key) {
    SecretHandshake c = client();
    c.nextMessage();
    if (receive(c, hello(key))) {
      assertEquals(SecretHandshake.CLIENT_AUTH_BYTES, c.nextMessage().length);
    }
  }

  /** True if the message was taken; false if refused with the typed exception. */
  private static boolean receive(SecretHandshake h, byte[] message) {
    try {
      h.receive(message);
      return true;
    } catch (HandshakeException e) {
      assertNotNull(e.reason());
      assertEquals(0, h.expectedBytes(), "a failed handshake still expects bytes");
      return false;
    }
  }

  /** A hello with a valid MAC under the Kith network key around the first 32 bytes of {@code key}. */
  private static byte[] hello(byte[] key) {
    byte[] ephemeral = Arrays.copyOf(key, 32);
    byte[] mac = new byte[32];
    Sodium.raw().crypto_auth(mac, ephemeral, 32, NetworkKey.KITH_V1.bytes());
    byte[] m = Arrays.copyOf(mac, SecretHandshake.HELLO_BYTES);
    System.arraycopy(ephemeral, 0, m, 32, 32);
    return m;
  }

  private static SecretHandshake client() {
    return SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, SERVER.publicKey(), CLIENT_EPHEMERAL);
  }

  private static SecretHandshake server() {
    return SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true, SERVER_EPHEMERAL);
  }

  private static byte[][] honestRun() {
    try {
      SecretHandshake c = client();
      SecretHandshake s = server();
      byte[] m1 = c.nextMessage();
      s.receive(m1);
      byte[] m2 = s.nextMessage();
      c.receive(m2);
      byte[] m3 = c.nextMessage();
      s.receive(m3);
      byte[] m4 = s.nextMessage();
      c.receive(m4);
      return new byte[][] {m1, m2, m3, m4};
    } catch (HandshakeException e) {
      throw new IllegalStateException("the honest run failed", e);
    }
  }

  private static byte[] filled(int value) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) value);
    return b;
  }

  @Test
  void seeds_areCommitted() throws Exception {
    String[] methods = {
      "server_message1_anyBytes", "client_message2_anyBytes", "server_message3_anyBytes", "client_message4_anyBytes"
    };
    for (int i = 0; i < 4; i++) {
      byte[] m = HONEST[i];
      Map<String, byte[]> seeds = new LinkedHashMap<>();
      seeds.put("valid", m);
      seeds.put("edge-1byte", new byte[] {m[0]});
      seeds.put("edge-one-short", Arrays.copyOf(m, m.length - 1));
      seeds.put("edge-one-long", Arrays.copyOf(m, m.length + 1));
      byte[] flipped = m.clone();
      flipped[m.length - 1] ^= 1;
      seeds.put("edge-last-bit-flipped", flipped);
      seeds.put("edge-zeros", new byte[m.length]);
      FuzzSupport.checkSeeds(getClass(), methods[i], seeds);
    }
    for (String method : new String[] {"server_message1_anyEphemeralKey", "client_message2_anyEphemeralKey"}) {
      Map<String, byte[]> seeds = new LinkedHashMap<>();
      seeds.put("valid", Arrays.copyOfRange(HONEST[method.startsWith("server") ? 0 : 1], 32, 64));
      // Low-order points of Curve25519 (libsodium's blocklist): the shared secret would be all zero.
      seeds.put("edge-low-order-0", new byte[32]);
      byte[] one = new byte[32];
      one[0] = 1;
      seeds.put("edge-low-order-1", one);
      byte[] pMinus1 = new byte[32];
      Arrays.fill(pMinus1, (byte) 0xff);
      pMinus1[0] = (byte) 0xec;
      pMinus1[31] = 0x7f;
      seeds.put("edge-low-order-p-minus-1", pMinus1);
      seeds.put("edge-short-key", new byte[] {9});
      FuzzSupport.checkSeeds(getClass(), method, seeds);
    }
  }
}
