package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;
import org.kith.node.MutableClock;

/** The keeper around a fake router: maps, renews, rediscovers, unmaps; time moves only when the test says so. */
class PortMapKeeperTest {

  /** Runs tasks without delay at once; holds delayed ones until {@link #fireNext}. */
  static final class StepScheduler extends ScheduledThreadPoolExecutor {
    final BlockingQueue<Long> delays = new LinkedBlockingQueue<>();
    private final List<Runnable> held = new ArrayList<>();

    StepScheduler() {
      super(1);
    }

    @Override
    public synchronized ScheduledFuture<?> schedule(Runnable r, long delay, TimeUnit unit) {
      if (delay == 0) {
        return super.schedule(r, 0, unit);
      }
      delays.add(unit.toMillis(delay));
      held.add(r);
      return super.schedule(() -> { }, 365, TimeUnit.DAYS);
    }

    /** Waits for the next delayed task to be scheduled, runs it now, and returns its delay. */
    long fireNext() throws Exception {
      Long d = delays.poll(MiniCluster.AWAIT_LIMIT.toSeconds(), TimeUnit.SECONDS);
      if (d == null) {
        throw new AssertionError("nothing was scheduled");
      }
      Runnable r;
      synchronized (this) {
        r = held.remove(0);
      }
      super.schedule(r, 0, TimeUnit.MILLISECONDS);
      return d;
    }

    <T> T onThread(Callable<T> c) throws Exception {
      return submit(c).get(MiniCluster.AWAIT_LIMIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  /** A router that grants what it is told to. */
  static final class FakeRouter implements PortMapping {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile Duration grant = Duration.ofSeconds(120);
    volatile boolean present = true;
    volatile boolean failRefresh;
    volatile boolean closed;

    @Override
    public Optional<Lease> map(int internalPort, Duration lifetime) throws IOException {
      calls.add("map " + internalPort);
      return present ? Optional.of(new Lease("NAT-PMP", "203.0.113.9", internalPort, internalPort, grant, "h"))
          : Optional.empty();
    }

    @Override
    public Lease refresh(Lease lease, Duration lifetime) throws IOException {
      calls.add("refresh " + lease.externalPort());
      if (failRefresh) {
        throw new IOException("gone");
      }
      return new Lease(lease.protocol(), lease.externalHost(), lease.externalPort(), lease.internalPort(), grant,
          lease.handle());
    }

    @Override
    public void unmap(Lease lease) {
      calls.add("unmap " + lease.externalPort());
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private final FakeRouter router = new FakeRouter();
  private final StepScheduler scheduler = new StepScheduler();
  private final List<Reachability.Mapping> heard = new CopyOnWriteArrayList<>();
  private final PortMapKeeper keeper = new PortMapKeeper(router, heard::add, MutableClock.now(), scheduler);

  @Test
  void maps_renewsAtHalfTheLifetime_andUnmapsOnClose() throws Exception {
    keeper.start(7347);
    assertEquals(60_000, scheduler.fireNext(), "renewal at half of the 120 s granted");
    MiniCluster.await("renewed", () -> router.calls.contains("refresh 7347"));
    assertEquals("NAT-PMP", heard.get(0).protocol());
    assertEquals(7347, heard.get(0).externalPort());
    assertEquals(2, scheduler.onThread(() -> heard.size()));
    keeper.close();
    assertEquals(List.of("map 7347", "refresh 7347", "unmap 7347"), router.calls);
    assertTrue(router.closed);
    assertTrue(scheduler.isShutdown());
  }

  @Test
  void aShortLifetime_isRenewedNoMoreOftenThanTheMinimum() throws Exception {
    router.grant = Duration.ofSeconds(10);
    keeper.start(7347);
    assertEquals(PortMapKeeper.MIN_RENEW.toMillis(), scheduler.fireNext());
    keeper.close();
  }

  @Test
  void noGateway_looksAgainLater_andCloseUnmapsNothing() throws Exception {
    router.present = false;
    keeper.start(7347);
    // The router appears once the first look found nothing and scheduled the next, before that one runs (set
    // after fireNext, it raced the look it fired: CI saw the second look find no gateway either).
    MiniCluster.await("the first look scheduled the next", () -> !scheduler.delays.isEmpty());
    router.present = true;
    assertEquals(PortMapKeeper.REDISCOVER_EVERY.toMillis(), scheduler.fireNext());
    MiniCluster.await("mapped on the second look", () -> heard.size() == 1);
    assertEquals(List.of("map 7347", "map 7347"), router.calls);
    keeper.close();
    assertEquals("unmap 7347", router.calls.get(2));
  }

  @Test
  void aFailedRenewal_saysTheMappingIsGone_andDiscoversAgain() throws Exception {
    keeper.start(7347);
    router.failRefresh = true;
    scheduler.fireNext();
    MiniCluster.await("mapped again", () -> router.calls.size() == 3);
    assertEquals(List.of("map 7347", "refresh 7347", "map 7347"), router.calls);
    assertEquals(3, scheduler.onThread(() -> heard.size()));
    assertNull(heard.get(1), "the listener heard that the mapping was lost");
    keeper.close();
  }

  @Test
  void aBadPort_isRefused_andStartsNothing() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> keeper.start(0));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> keeper.start(65536));
    keeper.close();
    assertTrue(router.calls.isEmpty());
  }
}
