package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MutableClock;

/** Reachability's logic around a fake dial-back: which port it asks for, what it lists, what it says. */
class ReachabilityTest {
  private final List<Integer> asked = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<Reachability.Check>> answers = new CopyOnWriteArrayList<>();
  private final List<String> rooms = new CopyOnWriteArrayList<>();
  private final List<List<String>> changes = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final Reachability r = new Reachability(port -> {
    asked.add(port);
    CompletableFuture<Reachability.Check> f = new CompletableFuture<>();
    answers.add(f);
    return f;
  }, () -> new ArrayList<>(rooms), MutableClock.now(), scheduler);

  {
    r.onChange(changes::add);
  }

  @AfterEach
  void tearDown() {
    scheduler.shutdownNow();
  }

  private static Reachability.Mapping upnp(int port) {
    return new Reachability.Mapping("UPnP-IGD", "203.0.113.9", port, 7347, Instant.EPOCH);
  }

  @Test
  void loopbackOnly_neverAsks_andSaysThisMachineOnly() {
    r.listening(7347, true, true);
    r.mapped(upnp(7347));
    r.roomConnected();
    assertTrue(asked.isEmpty());
    Reachability.Snapshot s = r.snapshot();
    assertEquals(Reachability.State.LOCAL, s.state());
    assertFalse(s.portMapping(), "never maps a loopback port");
    assertTrue(Reachability.loopbackOnly("127.0.0.1") && Reachability.loopbackOnly("::1")
        && !Reachability.loopbackOnly("0.0.0.0") && !Reachability.loopbackOnly("192.168.1.5"));
  }

  @Test
  void aPublicListenPort_isVerifiedOnceARoomDialledItBack() {
    r.listening(7347, false, false);
    assertEquals(List.of(7347), asked);
    answers.get(0).completeExceptionally(new IllegalStateException("not connected to a room"));
    assertEquals(Reachability.State.LAN, r.snapshot().state());
    assertEquals("LAN only", r.snapshot().text());

    rooms.add("Elm Street");
    r.roomConnected();
    assertEquals(List.of(7347, 7347), asked);
    answers.get(1).complete(new Reachability.Check("Elm Street", "REACHED", "198.51.100.4", 7347));
    assertEquals(List.of("tcp:198.51.100.4:7347"), r.verified());
    assertEquals(List.of(List.of("tcp:198.51.100.4:7347")), changes);
    Reachability.Snapshot s = r.snapshot();
    assertEquals(Reachability.State.VERIFIED, s.state());
    assertEquals("reachable at tcp:198.51.100.4:7347 (a public address, dialled back by room Elm Street)", s.text());
    // Nothing more to check while verified.
    r.roomConnected();
    assertEquals(2, asked.size());
  }

  @Test
  void aMapping_isCheckedAtItsExternalPort_andListedOnlyOnceReached() {
    rooms.add("Elm Street");
    r.listening(7347, false, true);
    answers.get(0).complete(new Reachability.Check("Elm Street", "NO_ANSWER", "198.51.100.4", 7347));
    assertTrue(r.verified().isEmpty());
    assertEquals("behind NAT, reachable through room Elm Street", r.snapshot().text());

    r.mapped(upnp(40000));
    assertEquals(40000, asked.get(1));
    assertTrue(r.verified().isEmpty(), "mapped is not verified");
    assertTrue(r.snapshot().text().contains("port mapped by UPnP-IGD at 203.0.113.9:40000"), r.snapshot().text());
    answers.get(1).complete(new Reachability.Check("Elm Street", "REACHED", "198.51.100.4", 40000));
    assertEquals(List.of("tcp:198.51.100.4:40000"), r.verified());
    assertEquals(Reachability.State.VERIFIED, r.snapshot().state());
    assertTrue(r.snapshot().text().contains("port mapped by UPnP-IGD"), r.snapshot().text());

    // The same mapping again (a renewal) asks nothing; a lost mapping is checked again and unlisted.
    r.mapped(upnp(40000));
    assertEquals(2, asked.size());
    r.mapped(null);
    assertEquals(7347, asked.get(2));
    answers.get(2).complete(new Reachability.Check("Elm Street", "NO_ANSWER", "198.51.100.4", 7347));
    assertTrue(r.verified().isEmpty());
    assertEquals(List.of(List.of("tcp:198.51.100.4:40000"), List.of()), changes);
  }

  @Test
  void oneCheckAtATime_andALimitAnswer_keepsWhatWasKnown() {
    rooms.add("Elm Street");
    r.listening(7347, false, true);
    r.mapped(upnp(40000)); // while the first is out: runs after it
    assertEquals(1, asked.size());
    answers.get(0).complete(new Reachability.Check("Elm Street", "REACHED", "198.51.100.4", 7347));
    assertEquals(List.of(7347, 40000), asked);
    answers.get(1).complete(new Reachability.Check("Elm Street", "LIMIT", "198.51.100.4", 40000));
    assertEquals(List.of("tcp:198.51.100.4:7347"), r.verified(), "a LIMIT answer changes nothing");
  }

  @Test
  void ipv6Addresses_areBracketed() {
    rooms.add("Elm Street");
    r.listening(7347, false, false);
    answers.get(0).complete(new Reachability.Check("Elm Street", "REACHED", "2001:db8::5", 7347));
    assertEquals(List.of("tcp:[2001:db8::5]:7347"), r.verified());
  }
}
