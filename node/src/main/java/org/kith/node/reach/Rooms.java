package org.kith.node.reach;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.kith.node.base.KithException;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.Transport;
import org.kith.node.peers.HostPort;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.Vault;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's rooms (spec/PROTOCOL.md 12.2): joining and leaving (at most {@link #MAX_ROOMS}, kept in the
 * vault), a control connection to each while the node runs ({@link RoomLink}), tunnels to peers through them
 * (the transport's dial race asks for them), and the ticker that dials through a room the paired peers the
 * transport does not keep connected (those with no address).
 */
public final class Rooms implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Rooms.class);
  public static final int MAX_ROOMS = 2;
  /** Address scheme of a room in invites and peer addresses: {@code room:ROOM_ID@HOST:PORT}. */
  public static final String SCHEME = "room:";
  /** How often the ticker looks for paired peers to reach through a room. */
  static final Duration TICK = Duration.ofSeconds(2);
  /**
   * A peer the transport does not keep connected itself (it has no address) is tried through a room once it has
   * been unreachable this long; peers with addresses are tried through rooms in the transport's dial race.
   */
  static final Duration FIRST_TRY_AFTER = Duration.ofSeconds(1);

  /** A room this node joined. */
  public record Room(PublicId id, String name, HostPort address) {
    /** {@code room:ID@HOST:PORT}, as invites carry it. */
    public String roomAddress() {
      return SCHEME + id.text() + "@" + address;
    }
  }

  /** A room and whether the node holds a connection to it now. */
  public record Status(Room room, boolean connected, String problem) {}

  private final RoomBook book;
  private final KeyPair keys;
  private final Transport transport;
  private final Predicate<PublicId> acceptor;
  private final Supplier<List<PublicId>> peersToReach;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Executor worker;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Map<PublicId, RoomLink> links = new ConcurrentHashMap<>();
  private final Map<PublicId, Backoff> reach = new ConcurrentHashMap<>();
  private final List<Consumer<Room>> onWelcome = new CopyOnWriteArrayList<>();
  private volatile EventLoopGroup group;
  private volatile boolean running;
  private volatile Runnable onChange = () -> {};

  /** When to try a peer through a room next. */
  private static final class Backoff {
    long nextMillis;
    int failures;
    boolean inFlight;
  }

  /**
   * {@code acceptor} decides on the worker whether to accept a tunnel from a key (a paired peer; a stranger only
   * while an invite is open); {@code peersToReach} lists the paired peers to keep connected.
   */
  public Rooms(Vault vault, KeyPair identity, Transport transport, Predicate<PublicId> acceptor,
      Supplier<List<PublicId>> peersToReach, Clock clock, ScheduledExecutorService scheduler, Executor worker) {
    this.book = new RoomBook(vault);
    this.keys = identity.copy();
    this.transport = transport;
    this.acceptor = acceptor;
    this.peersToReach = peersToReach;
    this.clock = clock;
    this.scheduler = scheduler;
    this.worker = worker;
  }

  /** Told after a join or a leave changed the rooms (the node's address record lists them); set once. */
  public void onChange(Runnable listener) {
    this.onChange = java.util.Objects.requireNonNull(listener, "listener");
  }

  synchronized EventLoopGroup group() {
    if (group == null) {
      group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kith-rooms", true),
          NioIoHandler.newFactory());
    }
    return group;
  }

  KeyPair keys() {
    return keys;
  }

  Transport transport() {
    return transport;
  }

  Clock clock() {
    return clock;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  Executor worker() {
    return worker;
  }

  boolean accepts(PublicId caller) {
    return acceptor.test(caller);
  }

  /** {@code listener} hears, on a room's event loop, each time a room welcomes this node (it must not block). */
  public void onWelcome(Consumer<Room> listener) {
    onWelcome.add(listener);
  }

  void welcomed(Room room) {
    for (var l : onWelcome) {
      try {
        l.accept(room);
      } catch (RuntimeException e) {
        LOG.warn("a room listener failed ({})", e.getClass().getSimpleName());
      }
    }
  }

  /**
   * Asks the first connected room to dial this node back at {@code port} of the address the room sees it at
   * (spec/PROTOCOL.md 12.5).
   */
  public CompletableFuture<Reachability.Check> dialBack(int port) {
    for (RoomLink l : links.values()) {
      if (l.connected()) {
        String name = l.roomName();
        return l.dialBack(port).thenApply(d -> new Reachability.Check(name, d.result().name(),
            d.address().getAddress().getHostAddress(), d.port()));
      }
    }
    return CompletableFuture.failedFuture(new RoomClient.RoomRefusedException(null, "not connected to a room"));
  }

  /** Names of the rooms this node holds a connection to now. */
  public List<String> connectedNames() {
    return links.values().stream().filter(RoomLink::connected).map(RoomLink::roomName).toList();
  }

  boolean isClosed() {
    return closed.get();
  }

  /** The rooms this node joined, from the vault. */
  public List<Room> joined() throws KithException {
    return book.joined();
  }

  /** Finds a joined room by name, id or id prefix; a clear error when none or several match. */
  public Room find(String ref) throws KithException {
    return book.find(ref);
  }

  /**
   * Joins the room of {@code codeText}: proves its join secret to the room, then stores the room. Blocks up to
   * {@code timeout}. Refuses, changing nothing, a bad or expired code, a third room, or a room already joined.
   */
  public Room join(String codeText, Duration timeout) throws KithException {
    RoomCode code = RoomCode.parse(codeText);
    if (clock.instant().getEpochSecond() >= code.expiresAtSeconds()) {
      throw KithException.badInput("this room code expired at " + Instant.ofEpochSecond(code.expiresAtSeconds())
          + "; ask the room's keeper for a new one (nothing was changed)");
    }
    List<Room> rooms = joined();
    for (Room r : rooms) {
      if (r.id().equals(code.room())) {
        throw KithException.badInput("you are already in the room '" + r.name() + "' (nothing was changed)");
      }
    }
    if (rooms.size() >= MAX_ROOMS) {
      throw KithException.badInput("you are in " + MAX_ROOMS + " rooms already, the most: leave one with"
          + " `kith rooms leave ROOM` first (nothing was changed)");
    }
    RoomMessage answer = await(RoomClient.ask(group(), code.address().toSocketAddress(), code.room(), keys,
        timeout.toMillis(), RoomMessage.join(code.secret()), null), timeout, "the room at " + code.address());
    if (answer.type() != RoomMessage.Type.WELCOME) {
      throw KithException.badInput("the room answered " + answer.type() + " instead of a welcome: nothing was"
          + " changed");
    }
    String name = sanitize(answer.text());
    Room room = new Room(code.room(), name.isEmpty() ? "room-" + code.room().text().substring(5, 11) : name,
        code.address());
    book.add(room);
    if (running) {
      keep(room);
    }
    onChange.run();
    return room;
  }

  /** Leaves a room: tells it (if it can be reached now), forgets it, drops its connection. */
  public Room leave(String ref) throws KithException {
    Room room = find(ref);
    RoomLink l = links.remove(room.id());
    if (l != null) {
      l.leave();
    }
    book.remove(room.id());
    onChange.run();
    return room;
  }

  /** Each joined room, and whether the node holds a connection to it now. */
  public List<Status> list() throws KithException {
    List<Status> out = new ArrayList<>();
    for (Room r : joined()) {
      RoomLink l = links.get(r.id());
      out.add(new Status(r, l != null && l.connected(), l == null ? null : l.problem()));
    }
    return out;
  }

  /** {@code room:ID@HOST:PORT} for each joined room, for invites. */
  public List<String> addresses() {
    try {
      return joined().stream().map(Room::roomAddress).toList();
    } catch (KithException e) {
      return List.of();
    }
  }

  /** Starts keeping a connection to each joined room, and the ticker that reaches peers through them. */
  public void start() throws KithException {
    running = true;
    for (Room r : joined()) {
      keep(r);
    }
    long tick = TICK.toMillis();
    scheduler.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
  }

  private void keep(Room room) {
    RoomLink l = new RoomLink(this, room);
    RoomLink old = links.put(room.id(), l);
    if (old != null) {
      old.close();
    }
    l.start();
  }

  /**
   * Where the connected rooms see this node come from (their WELCOME, spec 12.2.1): behind a NAT, its public
   * address; no duplicates.
   */
  public List<java.net.InetSocketAddress> observed() {
    return links.values().stream().map(RoomLink::observed).filter(java.util.Objects::nonNull).distinct().toList();
  }

  /** Whether the node holds a connection to {@code room} now. */
  public boolean connected(PublicId room) {
    RoomLink l = links.get(room);
    return l != null && l.connected();
  }

  /**
   * Opens a connection to {@code peer} through the first connected room that carries it; fails with the last
   * room's answer when none does.
   */
  public CompletableFuture<PeerConnection> dial(PublicId peer) {
    List<RoomLink> up = links.values().stream().filter(RoomLink::connected).toList();
    if (up.isEmpty()) {
      return CompletableFuture.failedFuture(new RoomClient.RoomRefusedException(null, "not connected to a room"));
    }
    CompletableFuture<PeerConnection> f = up.get(0).tunnel(peer);
    for (int i = 1; i < up.size(); i++) {
      RoomLink next = up.get(i);
      f = f.exceptionallyCompose(e -> next.tunnel(peer));
    }
    return f;
  }

  /** Dials {@code peer} through the room of a {@code room:ID@HOST:PORT} address (pairing goes this way). */
  public Optional<CompletableFuture<PeerConnection>> dial(String address, PublicId peer) {
    if (!address.startsWith(SCHEME)) {
      return Optional.empty();
    }
    PublicId roomId;
    try {
      int at = address.indexOf('@');
      roomId = PublicId.parse(address.substring(SCHEME.length(), at < 0 ? address.length() : at));
    } catch (org.kith.protocol.identity.InvalidIdException | RuntimeException e) {
      return Optional.of(CompletableFuture.failedFuture(
          new RoomClient.RoomRefusedException(null, "not a room address")));
    }
    RoomLink l = links.get(roomId);
    if (l == null || !l.connected()) {
      return Optional.of(CompletableFuture.failedFuture(new RoomClient.RoomRefusedException(null,
          "this node is not connected to that room (join it with a room code, and run `kith start`)")));
    }
    return Optional.of(l.tunnel(peer));
  }

  /** How a connection runs, for {@code kith peers}: {@code room NAME}, {@code lan} or {@code direct}. */
  public static String link(PeerConnection c) {
    Optional<String> via = c.via();
    if (via.isPresent()) {
      return via.get();
    }
    java.net.InetAddress a = c.remoteAddress() == null ? null : c.remoteAddress().getAddress();
    if (a != null && (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress())) {
      return "lan";
    }
    return "direct";
  }

  private void tick() {
    if (closed.get() || links.values().stream().noneMatch(RoomLink::connected)) {
      return;
    }
    long now = clock.millis();
    List<PublicId> peers;
    try {
      peers = peersToReach.get();
    } catch (RuntimeException e) {
      LOG.warn("cannot list peers to reach ({})", e.getClass().getSimpleName());
      return;
    }
    reach.keySet().retainAll(peers);
    for (PublicId p : peers) {
      if (transport.connection(p).isPresent() || transport.maintains(p)) {
        reach.remove(p);
        continue;
      }
      Backoff b = reach.computeIfAbsent(p, k -> {
        Backoff n = new Backoff();
        n.nextMillis = now + FIRST_TRY_AFTER.toMillis();
        return n;
      });
      synchronized (b) {
        if (b.inFlight || now < b.nextMillis) {
          continue;
        }
        b.inFlight = true;
      }
      dial(p).whenComplete((c, e) -> {
        synchronized (b) {
          b.inFlight = false;
          if (e == null) {
            b.failures = 0;
          } else {
            b.failures = Math.min(b.failures + 1, 10);
            long delay = Math.min(transport.config().reconnectMax().toMillis(),
                transport.config().reconnectMin().toMillis() << b.failures);
            b.nextMillis = clock.millis() + delay;
          }
        }
        if (e != null) {
          LOG.debug("no tunnel to {} ({})", p.shortText(), e.getClass().getSimpleName());
        }
      });
    }
  }

  private static String sanitize(String s) {
    String n = s == null ? "" : s.strip().replaceAll("\\p{Cntrl}", "");
    return n.length() > RoomHome.MAX_NAME_CHARS ? n.substring(0, RoomHome.MAX_NAME_CHARS) : n;
  }

  static <T> T await(CompletableFuture<T> f, Duration timeout, String what) throws KithException {
    try {
      return f.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RoomClient.RoomRefusedException r && r.code() != null) {
        throw KithException.badInput(what + " refused: " + r.getMessage() + " (nothing was changed)");
      }
      throw new KithException(KithException.UNREACHABLE, "cannot reach " + what + ": "
          + (c == null ? "failed" : c.getMessage()) + " (nothing was changed)");
    } catch (TimeoutException e) {
      throw new KithException(KithException.UNREACHABLE, what + " did not answer within " + timeout.toSeconds()
          + " s (nothing was changed)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KithException(KithException.UNREACHABLE, "interrupted");
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    links.values().forEach(RoomLink::close);
    links.clear();
    EventLoopGroup g = group;
    if (g != null) {
      g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    keys.close();
  }
}
