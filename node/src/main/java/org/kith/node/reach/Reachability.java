package org.kith.node.reach;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node knows of its own reachability (spec/PROTOCOL.md 12.5): its port mapping if it has one, the
 * addresses a room dialled back and found it at ({@link #verified()}), else the rooms it is reachable through,
 * else the LAN only. A mapped or public address is only ever listed once a room dialled it back.
 *
 * <p>It asks for a dial-back when it starts listening (is the listen port public?), when a mapping is made or
 * changes, when a room welcomes the node while nothing is verified, and every {@link #RECHECK_EVERY}.
 */
public final class Reachability {
  private static final Logger LOG = LoggerFactory.getLogger(Reachability.class);
  /** A verified address is checked again this often (a router may forget a mapping, an address may change). */
  static final Duration RECHECK_EVERY = Duration.ofMinutes(30);
  /** A room's LIMIT answer: asked again after this (a room allows one dial-back per member per minute). */
  static final Duration RETRY_AFTER_LIMIT = Duration.ofSeconds(65);

  /** How a node's reachability reads: state names are part of the API (spec/API.md). */
  public enum State {
    /** Listening on loopback only: this machine. */
    LOCAL("local"),
    /** Not reachable from outside the LAN, and in no connected room. */
    LAN("lan"),
    /** Behind NAT, reachable through a room. */
    ROOM("room"),
    /** A room dialled this node back at a mapped or public address. */
    VERIFIED("verified");

    public final String text;

    State(String text) {
      this.text = text;
    }
  }

  /** A port mapping on the home router: {@code protocol} is UPnP-IGD, NAT-PMP or PCP. */
  public record Mapping(String protocol, String externalHost, int externalPort, int internalPort, Instant expires) {
    public Mapping {
      Objects.requireNonNull(protocol, "protocol");
    }
  }

  /** A room's answer to a dial-back: {@code result} is a DIALED result name, at {@code host}:{@code port}. */
  public record Check(String room, String result, String host, int port) {
    public boolean reached() {
      return "REACHED".equals(result);
    }
  }

  /** Everything the status shows. */
  public record Snapshot(State state, String text, List<String> verified, String verifiedBy, Mapping mapping,
      boolean portMapping, List<String> rooms) {}

  private final IntFunction<CompletableFuture<Check>> dialBack;
  private final Supplier<List<String>> rooms;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final List<Consumer<List<String>>> listeners = new CopyOnWriteArrayList<>();
  // Guarded by this, below.
  private int listenPort;
  private boolean loopbackOnly = true;
  private boolean portMapping;
  private Mapping mapping;
  private List<String> verified = List.of();
  private String verifiedBy;
  private boolean checking;
  private boolean again;
  private Instant lastCheck;

  /**
   * {@code dialBack} asks a connected room to dial the given port back ({@link Rooms#dialBack}); {@code rooms}
   * names the rooms connected now. Checks run on {@code scheduler}'s thread or the room's, never block.
   */
  public Reachability(IntFunction<CompletableFuture<Check>> dialBack, Supplier<List<String>> rooms, Clock clock,
      ScheduledExecutorService scheduler) {
    this.dialBack = dialBack;
    this.rooms = rooms;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /** Whether a listen host is loopback only (127.0.0.0/8, ::1, localhost): no mapping and no check then. */
  public static boolean loopbackOnly(String listenHost) {
    return listenHost.startsWith("127.") || listenHost.equals("::1") || listenHost.equals("[::1]")
        || listenHost.equalsIgnoreCase("localhost");
  }

  /** Hears the new {@link #verified()} list each time it changes, on a background thread; must not block. */
  public void onChange(Consumer<List<String>> listener) {
    listeners.add(listener);
  }

  /** {@code tcp:HOST:PORT} addresses a room dialled this node back at; empty when none. */
  public synchronized List<String> verified() {
    return verified;
  }

  /** The node listens on {@code port}; {@code loopbackOnly} for 127.0.0.1 and the like (no check then). */
  public void listening(int port, boolean loopbackOnly, boolean portMapping) {
    synchronized (this) {
      this.listenPort = port;
      this.loopbackOnly = loopbackOnly;
      this.portMapping = portMapping && !loopbackOnly;
    }
    check();
    if (!loopbackOnly) {
      long every = RECHECK_EVERY.toMillis();
      try {
        scheduler.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // closing
      }
    }
  }

  /** The port mapping is now {@code m} (null: none, or it was lost); checks the new address. */
  public void mapped(Mapping m) {
    boolean changed;
    synchronized (this) {
      changed = !Objects.equals(key(mapping), key(m));
      mapping = m;
    }
    if (changed) {
      check();
    }
  }

  private static String key(Mapping m) {
    return m == null ? null : m.protocol() + " " + m.externalHost() + ":" + m.externalPort();
  }

  /** A room welcomed the node: check now if nothing is verified yet. */
  public void roomConnected() {
    boolean none;
    synchronized (this) {
      none = verified.isEmpty();
    }
    if (none) {
      check();
    }
  }

  /** Asks a room to dial back the mapped port, else the listen port; one check at a time. */
  void check() {
    int port;
    synchronized (this) {
      if (loopbackOnly || listenPort == 0) {
        return;
      }
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      again = false;
      port = mapping != null ? mapping.externalPort() : listenPort;
    }
    CompletableFuture<Check> f;
    try {
      f = dialBack.apply(port);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((c, e) -> done(port, c, e));
  }

  private void done(int port, Check c, Throwable e) {
    List<String> before;
    List<String> after;
    boolean retry;
    boolean limited = c != null && "LIMIT".equals(c.result());
    synchronized (this) {
      checking = false;
      retry = again;
      before = verified;
      lastCheck = clock.instant();
      if (c != null && c.reached()) {
        verified = List.of("tcp:" + hostText(c.host()) + ":" + c.port());
        verifiedBy = c.room();
      } else if (c != null && !limited) {
        verified = List.of();
        verifiedBy = null;
      }
      // No room to ask (e == not connected), or LIMIT: keep what we knew.
      after = verified;
    }
    if (e != null) {
      LOG.debug("no dial-back check ({})", e.getClass().getSimpleName());
    } else {
      LOG.debug("dial-back of port {}: {}", port, c.result());
    }
    if (!before.equals(after)) {
      for (Consumer<List<String>> l : listeners) {
        try {
          l.accept(after);
        } catch (RuntimeException x) {
          LOG.warn("a reachability listener failed ({})", x.getClass().getSimpleName());
        }
      }
    }
    if (retry) {
      check();
    } else if (limited) {
      try {
        scheduler.schedule(this::check, RETRY_AFTER_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException x) {
        // closing
      }
    }
  }

  private static String hostText(String host) {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  /** What the status shows, in words and fields. */
  public Snapshot snapshot() {
    List<String> up = rooms.get();
    synchronized (this) {
      State state;
      String text;
      String mapped = mapping == null ? null : "port mapped by " + mapping.protocol() + " at "
          + hostText(mapping.externalHost()) + ":" + mapping.externalPort();
      if (loopbackOnly) {
        state = State.LOCAL;
        text = listenPort == 0 ? "not listening" : "this machine only (listening on loopback)";
      } else if (!verified.isEmpty()) {
        state = State.VERIFIED;
        text = "reachable at " + String.join(", ", verified) + " ("
            + (mapping != null ? mapped : "a public address") + ", dialled back by room " + verifiedBy + ")";
      } else if (!up.isEmpty()) {
        state = State.ROOM;
        text = "behind NAT, reachable through room " + String.join(", room ", up)
            + (mapped != null ? "; " + mapped + ", but the room could not dial it" : "");
      } else {
        state = State.LAN;
        text = "LAN only" + (mapped != null ? "; " + mapped + ", not checked yet (join a room to check it)" : "");
      }
      return new Snapshot(state, text, verified, verifiedBy, mapping, portMapping, List.copyOf(new ArrayList<>(up)));
    }
  }

  /** When the last dial-back answered, or null; for tests. */
  synchronized Instant lastCheck() {
    return lastCheck;
  }
}
