package org.kith.node.events;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's events, fanned out to whoever listens (the local API's event streams). Publishing calls each listener
 * on the publisher's thread, so a listener must only hand the event on (the API server queues a write on its event
 * loop). While anyone listens, the node's scheduler ticks {@link #keepAlive} every {@link #KEEP_ALIVE}, so idle
 * streams stay open through proxies and a dead client is noticed; {@link #close} (node stop) ends every listener.
 */
public final class EventBus implements Events, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);
  /** Listeners at most (each is an open page tab or client); one more is refused. */
  public static final int MAX_LISTENERS = 16;
  /** How often listeners are told to send a keep-alive. */
  public static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  /** One listener's side of the bus. */
  public interface Listener {
    void event(NodeEvent e);

    /** Nothing happened for a while: say so, cheaply. */
    void keepAlive();

    /** The node stops: end the stream. */
    void closed();
  }

  /** A listener's registration; closing it unsubscribes. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /** No room for another listener. */
  public static final class TooManyListenersException extends Exception {
    TooManyListenersException() {
      super("too many live event streams are open (at most " + MAX_LISTENERS + "); close another page tab");
    }
  }

  private final ScheduledExecutorService scheduler;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private ScheduledFuture<?> ticking;

  public EventBus(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  public synchronized Subscription subscribe(Listener l) throws TooManyListenersException {
    if (closed.get()) {
      l.closed();
      return () -> {};
    }
    if (listeners.size() >= MAX_LISTENERS) {
      throw new TooManyListenersException();
    }
    listeners.add(l);
    if (ticking == null) {
      try {
        ticking = scheduler.scheduleWithFixedDelay(this::keepAlive, KEEP_ALIVE.toMillis(), KEEP_ALIVE.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // The node is stopping; close() ends this listener.
      }
    }
    return () -> unsubscribe(l);
  }

  private synchronized void unsubscribe(Listener l) {
    listeners.remove(l);
    if (listeners.isEmpty() && ticking != null) {
      ticking.cancel(false);
      ticking = null;
    }
  }

  public int listeners() {
    return listeners.size();
  }

  @Override
  public void publish(NodeEvent e) {
    for (Listener l : listeners) {
      try {
        l.event(e);
      } catch (RuntimeException ex) {
        LOG.error("an event listener failed: {}", ex.getClass().getName());
      }
    }
  }

  /** Tells every listener to send a keep-alive; the scheduler calls it, and tests may. */
  public void keepAlive() {
    for (Listener l : listeners) {
      try {
        l.keepAlive();
      } catch (RuntimeException ex) {
        LOG.error("an event listener failed: {}", ex.getClass().getName());
      }
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<Listener> all;
    synchronized (this) {
      all = List.copyOf(listeners);
      listeners.clear();
      if (ticking != null) {
        ticking.cancel(false);
        ticking = null;
      }
    }
    for (Listener l : all) {
      try {
        l.closed();
      } catch (RuntimeException ex) {
        LOG.error("an event listener failed: {}", ex.getClass().getName());
      }
    }
  }
}
