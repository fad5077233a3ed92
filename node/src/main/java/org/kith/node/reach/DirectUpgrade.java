package org.kith.node.reach;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.kith.node.net.Dispatcher;
import org.kith.node.net.ErrorFrameException;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.Response;
import org.kith.node.net.Transport;
import org.kith.protocol.frame.Endpoint;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.frame.Messages;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Upgrade;
import org.kith.protocol.proto.UpgradeReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a connection that runs through a room to a direct TCP connection when the NATs on the way allow it
 * (spec/PROTOCOL.md 12.4), after libp2p's DCUtR: over the relayed connection the side that was its SHS client
 * (A) sends its candidate addresses ({@code UPGRADE}), the other (B) answers with its own, A measures the round
 * trip, sends the sync, waits half of it and dials; B dials on the sync. Both dial every candidate of the other
 * from their listen ports, so that each side's outgoing SYN opens its own NAT for the other's. The direct
 * connection replaces the relayed one ({@link Transport}). Up to {@link #MAX_TRIES} tries; after that the room
 * carries on and the peer is not tried again for {@link #RETRY_AFTER} by the node's clock.
 */
public final class DirectUpgrade implements Dispatcher.Connections {
  private static final Logger LOG = LoggerFactory.getLogger(DirectUpgrade.class);
  /** {@code Hello.capabilities} token of a node that takes part (spec 6.1). */
  public static final String CAPABILITY = "direct";
  static final int MAX_TRIES = Messages.MAX_UPGRADE_ATTEMPTS;
  /** After {@link #MAX_TRIES} failed tries a peer is left on the room this long. */
  static final Duration RETRY_AFTER = Duration.ofMinutes(10);
  /** How long a try waits, after its dials start, for a direct connection to complete its handshake. */
  static final Duration WINDOW = Duration.ofSeconds(5);
  /** Deadline for each UPGRADE_REPLY. */
  static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
  /** How often relayed connections are looked at for an upgrade to start. */
  static final Duration TICK = Duration.ofSeconds(2);
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** How the last upgrade of a peer went: {@code trying}, {@code direct} or {@code relayed} (all tries failed). */
  public record Outcome(String state, int tries, long millis) {}

  /** A's side of one upgrade. */
  private static final class Attempt {
    final PeerConnection relayed;
    final long startMillis;
    volatile CompletableFuture<PeerConnection> direct = new CompletableFuture<>();

    Attempt(PeerConnection relayed, long startMillis) {
      this.relayed = relayed;
      this.startMillis = startMillis;
    }
  }

  /** B's side: the candidates A sent in its current try. */
  private record Answering(List<InetSocketAddress> theirs, int attempt, long startMillis) {}

  private final Transport transport;
  private final Rooms rooms;
  private final Predicate<PublicId> paired;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Map<PublicId, Attempt> running = new ConcurrentHashMap<>();
  private final Map<PublicId, Answering> answering = new ConcurrentHashMap<>();
  private final Map<PublicId, Long> retryAfterMillis = new ConcurrentHashMap<>();
  private final Map<PublicId, Outcome> outcomes = new ConcurrentHashMap<>();
  /** Relayed connections an upgrade started on (at most one per peer: the transport keeps one). */
  private final Map<PeerConnection, Boolean> checked = new ConcurrentHashMap<>();
  private volatile Supplier<List<String>> listenAddresses = List::of;
  private volatile Supplier<List<InetSocketAddress>> observed;
  /** Upgrades started and ticks run since the start: tests await these instead of sleeping. */
  private final java.util.concurrent.atomic.AtomicLong started = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong ticks = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean enabled;

  public DirectUpgrade(Transport transport, Rooms rooms, Predicate<PublicId> paired, Clock clock,
      ScheduledExecutorService scheduler) {
    this.transport = transport;
    this.rooms = rooms;
    this.paired = paired;
    this.clock = clock;
    this.scheduler = scheduler;
    this.observed = rooms::observed;
    enabled(Transport.REUSE_PORT_SUPPORTED);
  }

  /** Serves UPGRADE from paired peers and watches connections come and go. */
  public void register(Dispatcher d) {
    d.onRequest(FrameType.UPGRADE, Dispatcher.Audience.PAIRED, this::onUpgrade);
    d.onConnection(this);
    long tick = TICK.toMillis();
    try {
      scheduler.scheduleWithFixedDelay(() -> {
        transport.connections().forEach(this::start);
        ticks.incrementAndGet();
      }, tick, tick, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * The node's own {@code HOST:PORT} listen addresses, offered as candidates after the rooms' observed ones;
   * loopback ones only when the node listens on loopback.
   */
  public void listenAddresses(Supplier<List<String>> addresses) {
    this.listenAddresses = addresses;
  }

  /**
   * Turns the upgrade on or off (off where the platform cannot share the listen port): off, the node neither
   * lists the capability nor starts or answers an upgrade.
   */
  public void enabled(boolean on) {
    enabled = on && Transport.REUSE_PORT_SUPPORTED;
    transport.capability(CAPABILITY, enabled);
  }

  /** For tests: where the rooms see this node, instead of asking them. */
  void observed(Supplier<List<InetSocketAddress>> s) {
    this.observed = s;
  }

  long started() {
    return started.get();
  }

  long ticks() {
    return ticks.get();
  }

  /** How the last upgrade with {@code peer} went, if one was tried since the node started. */
  public Optional<Outcome> outcome(PublicId peer) {
    return Optional.ofNullable(outcomes.get(peer));
  }

  /** This node's candidates now: where its rooms see it, then its listen addresses; at most 8. */
  List<InetSocketAddress> candidates() {
    Set<InetSocketAddress> out = new LinkedHashSet<>(observed.get());
    boolean loopbackOnly = transport.listenAddress().map(a -> a.getAddress().isLoopbackAddress()).orElse(false);
    for (String hp : listenAddresses.get()) {
      InetSocketAddress a = literal(hp);
      if (a != null && (loopbackOnly || !a.getAddress().isLoopbackAddress())) {
        out.add(a);
      }
    }
    List<InetSocketAddress> list = new ArrayList<>();
    for (InetSocketAddress a : out) {
      if (list.size() < Messages.MAX_CANDIDATES && !a.getAddress().isAnyLocalAddress() && a.getPort() != 0) {
        list.add(a);
      }
    }
    return list;
  }

  /** {@code IP:PORT} or {@code [IPv6]:PORT} as an address, without any lookup; null for anything else. */
  static InetSocketAddress literal(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    String host = hostPort.substring(0, colon);
    boolean v6 = host.startsWith("[") && host.endsWith("]");
    if (v6) {
      host = host.substring(1, host.length() - 1);
    }
    if (!(v6 ? host.matches("[0-9a-fA-F:.]+") : IPV4.matcher(host).matches())) {
      return null; // a name: never looked up here
    }
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      return port < 1 || port > 65535 ? null : new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (NumberFormatException | java.net.UnknownHostException e) {
      return null;
    }
  }

  private static List<ByteString> encode(List<InetSocketAddress> addrs) {
    return addrs.stream().map(a -> ByteString.copyFrom(Endpoint.encode(a))).toList();
  }

  // --- A: the side that was the SHS client of the relayed connection ------------------------------------

  @Override
  public void onConnected(PeerConnection c) {
    PublicId peer = c.remote();
    if (c.punched()) {
      Attempt a = running.get(peer);
      if (a != null) {
        a.direct.complete(c);
      }
      Answering b = answering.remove(peer);
      if (b != null) {
        outcomes.put(peer, new Outcome("direct", b.attempt(), clock.millis() - b.startMillis()));
      }
      return;
    }
    start(c);
  }

  /**
   * Starts an upgrade on {@code c} if it runs through a room, this side was its SHS client, the peer is paired
   * and not waiting out {@link #RETRY_AFTER}, and no upgrade with it runs. Checked when a connection comes up and
   * every {@link #TICK} (a connection made for pairing becomes a paired peer's later).
   */
  private void start(PeerConnection c) {
    PublicId peer = c.remote();
    if (!enabled || c.via().isEmpty() || c.inbound() || !c.isOpen() || !paired.test(peer)
        || checked.containsKey(c)) {
      return;
    }
    Long after = retryAfterMillis.get(peer);
    if (after != null && clock.millis() < after) {
      return;
    }
    Attempt a = new Attempt(c, clock.millis());
    if (running.putIfAbsent(peer, a) != null) {
      return;
    }
    checked.put(c, Boolean.TRUE);
    started.incrementAndGet();
    // HELLO is the peer's first frame: once a PING is answered, its capabilities are known.
    c.request(FrameType.PING, Empty.getDefaultInstance()).whenCompleteAsync((f, e) -> {
      if (e != null || !c.speaks(CAPABILITY) || !enabled) {
        if (e != null) {
          checked.remove(c); // looked at again at the next tick
        }
        running.remove(peer, a);
        return;
      }
      tryOnce(peer, a, 1);
    }, scheduler);
  }

  private void tryOnce(PublicId peer, Attempt a, int n) {
    outcomes.put(peer, new Outcome("trying", n, clock.millis() - a.startMillis));
    List<InetSocketAddress> mine = candidates();
    long t0 = System.nanoTime();
    a.relayed.request(FrameType.UPGRADE, Upgrade.newBuilder().addAllCandidates(encode(mine)).setAttempt(n).build(),
        REPLY_TIMEOUT).whenCompleteAsync((reply, e) -> {
          List<InetSocketAddress> theirs;
          try {
            if (e != null) {
              throw e;
            }
            theirs = Messages.candidates(Messages.upgradeReply(reply).getCandidatesList());
          } catch (Throwable x) {
            LOG.debug("upgrade with {} refused or lost ({})", peer.shortText(), x.getClass().getSimpleName());
            finish(peer, a, n, false);
            return;
          }
          long rttNanos = System.nanoTime() - t0;
          LOG.debug("upgrade with {}, try {}: {} candidates each way ({} theirs), round trip {} ms", peer.shortText(), n,
              mine.size(), theirs, rttNanos / 1_000_000);
          CompletableFuture<PeerConnection> direct = new CompletableFuture<>();
          a.direct = direct;
          transport.expectPunch(theirs, peer, true, clock.millis() + WINDOW.toMillis() + rttNanos / 2_000_000);
          a.relayed.request(FrameType.UPGRADE, Upgrade.newBuilder().setSync(true).setAttempt(n).build(), REPLY_TIMEOUT)
              .whenComplete((f, x) -> { });
          // B dials when the sync arrives, half a round trip from now: so do we.
          schedule(() -> dialAll(theirs, peer, true), rttNanos / 2);
          schedule(() -> direct.complete(null), WINDOW.toNanos() + rttNanos / 2);
          transport.connection(peer).filter(PeerConnection::punched).ifPresent(direct::complete);
          direct.whenCompleteAsync((c, x) -> {
            if (c != null) {
              finish(peer, a, n, true);
            } else if (n < MAX_TRIES && a.relayed.isOpen() && enabled) {
              tryOnce(peer, a, n + 1);
            } else {
              finish(peer, a, n, false);
            }
          }, scheduler);
        }, scheduler);
  }

  private void finish(PublicId peer, Attempt a, int tries, boolean direct) {
    long millis = clock.millis() - a.startMillis;
    outcomes.put(peer, new Outcome(direct ? "direct" : "relayed", tries, millis));
    if (direct) {
      retryAfterMillis.remove(peer);
    } else {
      retryAfterMillis.put(peer, clock.millis() + RETRY_AFTER.toMillis());
    }
    running.remove(peer, a);
    checked.remove(a.relayed); // tried again after RETRY_AFTER if it still runs through the room
    LOG.debug("upgrade with {}: {} after {} tries, {} ms", peer.shortText(), direct ? "direct" : "stays on the room",
        tries, millis);
  }

  private void dialAll(List<InetSocketAddress> theirs, PublicId peer, boolean client) {
    for (InetSocketAddress t : theirs) {
      // A failed dial is expected (a dead candidate, or the four-tuple taken by the other side's connection).
      transport.punch(t, peer, client).whenComplete((c, e) -> {
        if (e != null) {
          LOG.debug("punch to {} for {}: {}", t, peer.shortText(), e.getMessage());
        }
      });
    }
  }

  private void schedule(Runnable r, long delayNanos) {
    try {
      scheduler.schedule(r, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  // --- B: the side that was the SHS server ------------------------------------------------------------------

  private CompletableFuture<Response> onUpgrade(PeerConnection from, Frame frame) {
    if (!enabled) {
      return refuse(ErrorCode.UNSUPPORTED, "this node does not upgrade to direct connections now; the room carries on");
    }
    if (from.via().isEmpty()) {
      return refuse(ErrorCode.MALFORMED, "UPGRADE is sent only on a connection through a room (nothing changed)");
    }
    if (!from.inbound()) {
      return refuse(ErrorCode.MALFORMED, "UPGRADE comes from the side that was the SHS client; this side was"
          + " (nothing changed)");
    }
    Upgrade u;
    List<InetSocketAddress> theirs;
    try {
      u = Messages.upgrade(frame);
      theirs = Messages.candidates(u.getCandidatesList());
    } catch (FrameException e) {
      return refuse(e.code().wireCode(), e.getMessage());
    }
    PublicId peer = from.remote();
    if (!u.getSync()) {
      Answering old = answering.get(peer);
      answering.put(peer, new Answering(theirs, u.getAttempt(), old != null ? old.startMillis() : clock.millis()));
      return CompletableFuture.completedFuture(new Response(FrameType.UPGRADE_REPLY,
          UpgradeReply.newBuilder().addAllCandidates(encode(candidates())).build()));
    }
    Answering b = answering.get(peer);
    if (b == null || b.attempt() != u.getAttempt()) {
      return refuse(ErrorCode.MALFORMED, "UPGRADE sync without the candidates of try " + u.getAttempt()
          + " first (nothing was dialled)");
    }
    outcomes.put(peer, new Outcome("relayed", b.attempt(), clock.millis() - b.startMillis()));
    transport.expectPunch(b.theirs(), peer, false, clock.millis() + WINDOW.toMillis());
    dialAll(b.theirs(), peer, false);
    return CompletableFuture.completedFuture(new Response(FrameType.UPGRADE_REPLY, UpgradeReply.getDefaultInstance()));
  }

  private static CompletableFuture<Response> refuse(ErrorCode code, String message) {
    return CompletableFuture.failedFuture(new ErrorFrameException(code, message));
  }

  @Override
  public void onClosed(PeerConnection c) {
    checked.remove(c);
    if (c.via().isPresent() && transport.connection(c.remote()).isEmpty()) {
      answering.remove(c.remote());
    }
  }
}
