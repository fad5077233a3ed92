package org.kith.node.reach;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's TCP listen port mapped on the home router, best effort (spec/PROTOCOL.md 12.5): discovers and
 * maps on {@link #start}, off the event loop and without delaying the start, renews at half the lifetime, tries
 * discovery again every {@link #REDISCOVER_EVERY} when it found nothing or lost the mapping, and removes the
 * mapping on {@link #close}. Every blocking call runs on {@code executor}, the keeper's own thread.
 */
public final class PortMapKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PortMapKeeper.class);
  /** The lifetime asked for: RFC 6886 recommends two hours; routers may grant less. */
  static final Duration LIFETIME = Duration.ofHours(2);
  /** A refresh is due at this fraction of the granted lifetime. */
  static final double RENEW_AT = 0.5;
  /** Shortest time between two renewals, whatever lifetime a router grants. */
  static final Duration MIN_RENEW = Duration.ofSeconds(30);
  /** No gateway found, or the mapping was lost: look again this much later. */
  static final Duration REDISCOVER_EVERY = Duration.ofMinutes(10);
  /** The unmapping on close waits this long for the router at most. */
  static final Duration UNMAP_WAIT = Duration.ofSeconds(3);

  private final PortMapping mapping;
  private final Consumer<Reachability.Mapping> listener;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean closed = new AtomicBoolean();
  // Executor thread only, below.
  private int port;
  private PortMapping.Lease lease;
  private ScheduledFuture<?> next;

  /** {@code listener} hears each new mapping, and null when there is none (again), on {@code executor}. */
  public PortMapKeeper(PortMapping mapping, Consumer<Reachability.Mapping> listener, Clock clock,
      ScheduledExecutorService executor) {
    this.mapping = mapping;
    this.listener = listener;
    this.clock = clock;
    this.executor = executor;
  }

  /** Maps {@code internalPort} in the background; returns at once. */
  public void start(int internalPort) {
    if (internalPort < 1 || internalPort > 0xffff) {
      throw new IllegalArgumentException("port out of range: " + internalPort);
    }
    run(() -> {
      port = internalPort;
      discover();
    }, 0);
  }

  private void discover() {
    if (closed.get()) {
      return;
    }
    Optional<PortMapping.Lease> got;
    try {
      got = mapping.map(port, LIFETIME);
    } catch (IOException | RuntimeException e) {
      LOG.info("port mapping failed ({}); trying again in {} min", e.getClass().getSimpleName(),
          REDISCOVER_EVERY.toMinutes());
      got = Optional.empty();
    } catch (InterruptedException e) {
      return; // closing
    }
    if (got.isEmpty()) {
      LOG.debug("no gateway maps ports here");
      run(this::discover, REDISCOVER_EVERY.toMillis());
      return;
    }
    granted(got.get());
  }

  private void granted(PortMapping.Lease l) {
    lease = l;
    LOG.info("port {} mapped by {} to external port {}", l.internalPort(), l.protocol(), l.externalPort());
    listener.accept(new Reachability.Mapping(l.protocol(), l.externalHost(), l.externalPort(), l.internalPort(),
        clock.instant().plus(l.lifetime())));
    long renew = Math.max(MIN_RENEW.toMillis(), (long) (l.lifetime().toMillis() * RENEW_AT));
    run(this::renew, renew);
  }

  private void renew() {
    if (closed.get() || lease == null) {
      return;
    }
    try {
      granted(mapping.refresh(lease, LIFETIME));
    } catch (IOException | RuntimeException e) {
      LOG.info("the router did not renew the port mapping ({}); discovering again", e.getClass().getSimpleName());
      lease = null;
      listener.accept(null);
      run(this::discover, 0);
    } catch (InterruptedException e) {
      // closing
    }
  }

  private void run(Runnable r, long delayMillis) {
    try {
      next = executor.schedule(r, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /** Removes the mapping from the router (waiting {@link #UNMAP_WAIT} at most), then stops. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.submit(() -> {
        if (next != null) {
          next.cancel(false);
        }
        PortMapping.Lease l = lease;
        lease = null;
        if (l != null) {
          try {
            mapping.unmap(l);
          } catch (IOException | RuntimeException e) {
            LOG.info("cannot remove the port mapping ({}); it expires by itself", e.getClass().getSimpleName());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }).get(UNMAP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.debug("port mapping not removed in time ({})", e.getClass().getSimpleName());
    } finally {
      executor.shutdownNow();
      mapping.close();
    }
  }
}
