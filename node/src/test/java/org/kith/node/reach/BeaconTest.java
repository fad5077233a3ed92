package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.kith.protocol.identity.PublicId;

class BeaconTest {
  static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");

  static PublicId key(int seed) {
    byte[] k = new byte[32];
    new Random(seed).nextBytes(k);
    return PublicId.ofKey(k);
  }

  @Test
  void encodesAndDecodesExactly() throws Exception {
    Beacon b = Beacon.of(key(1), 7347, NOW);
    byte[] wire = b.encode();
    assertEquals(Beacon.SIZE, wire.length);
    Beacon back = Beacon.decode(wire, wire.length);
    assertEquals(7347, back.port());
    assertEquals(b.window(), back.window());
    assertArrayEquals(b.tag(), back.tag());
    assertTrue(back.isFrom(key(1), NOW));
    assertFalse(back.isFrom(key(2), NOW), "another key's tag must not match");
  }

  @Test
  void theKeyItselfNeverTravels() {
    PublicId id = key(3);
    String wire = HexFormat.of().formatHex(Beacon.of(id, 7347, NOW).encode());
    String hex = id.hex();
    for (int i = 0; i + 8 <= hex.length(); i += 8) {
      assertFalse(wire.contains(hex.substring(i, i + 8)), "the beacon carries part of the key: " + hex.substring(i, i + 8));
    }
  }

  @Test
  void theTagChangesEveryWindowAndIsRecognisedOnlyNearNow() throws Exception {
    PublicId id = key(4);
    Beacon now = Beacon.of(id, 7347, NOW);
    Beacon next = Beacon.of(id, 7347, NOW.plusSeconds(Beacon.WINDOW_SECONDS));
    assertFalse(java.util.Arrays.equals(now.tag(), next.tag()), "a stranger could link beacons across windows");
    assertTrue(now.isFrom(id, NOW.plusSeconds(Beacon.WINDOW_SECONDS)), "one window of clock drift is allowed");
    assertFalse(now.isFrom(id, NOW.plus(Duration.ofSeconds(3 * Beacon.WINDOW_SECONDS))), "an old beacon is stale");
  }

  @ParameterizedTest(name = "length {0}")
  @ValueSource(ints = {0, 1, 8, Beacon.SIZE - 1, Beacon.SIZE + 1, 1400})
  void wrongLengthIsRefused(int len) {
    byte[] b = new byte[Math.max(len, Beacon.SIZE + 1)];
    System.arraycopy(Beacon.of(key(5), 1, NOW).encode(), 0, b, 0, Beacon.SIZE);
    assertThrows(Beacon.MalformedBeacon.class, () -> Beacon.decode(b, len));
  }

  @Test
  void wrongMagicOrPortZeroIsRefused() {
    byte[] b = Beacon.of(key(6), 7347, NOW).encode();
    b[0] ^= 1;
    assertThrows(Beacon.MalformedBeacon.class, () -> Beacon.decode(b, b.length));
    byte[] z = Beacon.of(key(6), 7347, NOW).encode();
    z[8] = 0;
    z[9] = 0;
    assertThrows(Beacon.MalformedBeacon.class, () -> Beacon.decode(z, z.length));
  }

  /** Property over seeded random datagrams: decoding throws only its typed exception. */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42, 20261202})
  void randomDatagramsThrowOnlyTheTypedException(long seed) {
    Random r = new Random(seed);
    for (int i = 0; i < 2_000; i++) {
      int len = r.nextInt(3) == 0 ? Beacon.SIZE : r.nextInt(Beacon.SIZE * 2);
      byte[] b = new byte[Math.max(len, 1)];
      r.nextBytes(b);
      if (r.nextBoolean() && len >= 8) {
        System.arraycopy("KITHLAN1".getBytes(), 0, b, 0, 8);
      }
      try {
        Beacon.decode(b, len);
      } catch (Beacon.MalformedBeacon expected) {
        // fine
      } catch (RuntimeException e) {
        fail("seed " + seed + ", datagram " + i + ": " + e);
      }
    }
  }
}
