package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.kith.node.MutableClock;

/** The room's pacing of a member's bytes, on a clock the test drives. */
class RelayTest {
  @Test
  void aMemberWithinItsBurst_isNotPaused_beyondIt_pausesForTheExcess_andRefills() {
    MutableClock clock = MutableClock.now();
    Relay.Meter m = new Relay.Meter(1000, 4000, clock);
    assertEquals(0, m.take(4000), "a full burst goes at once");
    assertEquals(1000, m.take(1000), "1000 bytes over at 1000 B/s: a second's pause");
    clock.advance(Duration.ofSeconds(1));
    assertEquals(0, m.take(0), "a second refilled the deficit");
    clock.advance(Duration.ofSeconds(60));
    assertEquals(0, m.take(4000), "the refill stops at the burst");
    assertTrue(m.take(1) > 0);
  }

  @Test
  void theDefaults_leaveASyncAlone() {
    RoomLimits d = RoomLimits.defaults();
    assertTrue(d.bytesPerSecondPerMember() >= 8L << 20, "at least 8 MiB/s per member");
    assertTrue(d.burstBytesPerMember() > 128 * 1024, "bursts beyond libp2p's 128 KiB relay cap");
    assertTrue(d.maxTunnelsPerMember() >= 16);
  }
}
