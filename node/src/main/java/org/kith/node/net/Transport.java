package org.kith.node.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.FrameType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's network endpoint: listens, dials, and keeps at most one connection per peer key. Every
 * connection runs the pipeline
 *
 * <pre>
 * socket -> ShsHandler -> BoxStreamCodec -> FlushConsolidationHandler -> FrameCodecHandler -> IdleStateHandler
 *     -> ConnectionHandler
 * </pre>
 *
 * <p><b>One connection per peer.</b> When a second connection to a key completes its handshake while one is
 * open: if both were dialled by the same side, the newer one replaces the older (the dialler evidently
 * considers the old one dead); if each side dialled one (simultaneous dial), the one dialled by the node with
 * the lexicographically smaller public key is kept, so both ends keep the same one. The loser is closed with
 * a goodbye; a {@link #connect} whose connection lost completes with the winner. Before those rules: a direct
 * connection replaces one through a room, which closes once its open requests are answered, and a connection
 * through a room never replaces an open direct one; of two connections of one upgrade to direct
 * ({@link #punch}), both ends keep the one with the smaller starting nonce of its handshake (spec 12.4).
 *
 * <p>The transport speaks the connection-level frames itself: it sends {@code HELLO} first and requires the
 * peer's first frame to be {@code HELLO} ({@link PeerConnection#hello()}), answers {@code PING}, sends
 * {@code PING} after {@link TransportConfig#keepaliveInterval()} of silence, checks every payload against the
 * stateless rules of spec section 6 ({@code Messages}) before the node sees it, and answers every refusal with
 * an {@code ERROR} frame echoing the request id. Failures of the peer's framing (spec 5.2 steps 1-4) get an
 * {@code ERROR} with request id 0 and a close.
 *
 * <p><b>Budgets.</b> Connections are counted apart by kind ({@link TransportConfig}, spec section 9.1):
 * inbound handshakes in progress, inbound connections of peers ({@link Admission#isPeer}), inbound
 * connections of other keys, and this node's own dials, with per-source-address limits on the two kinds a
 * stranger can hold. Strangers therefore never take a peer's place or block a dial. A key that is not a peer
 * may send one {@code PAIR_REQUEST} within {@link TransportConfig#unpairedTimeout()}; it is never pinged and
 * its connection is closed once the request is answered, unless the answer made it a peer.
 *
 * <p>All callbacks ({@link RequestHandler}, {@link Admission}, future completions) run on the event loop and
 * must not block. Nothing a peer sent (payloads, query text) is logged; connection events log at DEBUG.
 *
 * <p>Why one class of this size: the connection table, the one-connection-per-peer rule, reconnection and
 * the connection budget are one piece of state guarded by one lock; splitting them would spread that lock.
 * The pipeline's handlers (handshake, box-stream, frames, connection) are classes of their own.
 */
public final class Transport implements PeerRpc, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);
  /** {@code Hello.capabilities} this node sends (spec/PROTOCOL.md 6.1). */
  public static final String CAPABILITY_SYNC_HINT = "sync-hint";
  /** The sender takes {@code ADDRESSES} (spec/PROTOCOL.md 12.3). */
  public static final String CAPABILITY_ADDRESSES = "addresses";
  static final java.util.List<String> CAPABILITIES = java.util.List.of(CAPABILITY_SYNC_HINT, CAPABILITY_ADDRESSES);
  /**
   * In a dial race ({@link #maintain}) each TCP address starts this long after the one before it, so the first
   * (the one on the LAN, when a beacon was heard) has a head start and a dead one costs this much only (happy
   * eyeballs, RFC 8305).
   */
  public static final java.time.Duration RACE_HEAD_START = java.time.Duration.ofMillis(250);
  /** A tunnel (through a room) joins a dial race this long after it started: a direct link is better. */
  public static final java.time.Duration RACE_TUNNEL_AFTER = java.time.Duration.ofSeconds(1);
  /**
   * Whether sockets here can share a port ({@code SO_REUSEPORT}): Linux and the BSDs. Where they can, the listener
   * and the dials of the upgrade to direct (spec 12.4) share the listen port.
   */
  public static final boolean REUSE_PORT_SUPPORTED = reusePortSupported();
  /** Two threads at most: the machine is shared with the model and the vault. */
  private static final int EVENT_LOOP_THREADS = 2;
  /** Flushes held back at most during one read, so a long read cannot delay answers without bound. */
  private static final int FLUSH_CONSOLIDATION_LIMIT = 64;

  private final TransportConfig config;
  private final KeyPair keys;
  private final PublicId localId;
  private final NetworkKey networkKey;
  private final RequestHandler handler;
  private final Admission admission;
  private final java.time.Clock clock;
  private final EventLoopGroup group;
  /** Every connection channel, inbound and outbound, handshaking or not; closed channels leave by themselves. */
  private final ChannelGroup channels;
  private final ConnectionSlots slots;
  /** Guarded by this. */
  private final Map<PublicId, PeerConnection> byPeer = new HashMap<>();
  private final Map<PublicId, Maintained> maintained = new ConcurrentHashMap<>();
  /** Per peer key, across its connections and reconnections (spec section 9). */
  private final Map<PublicId, RateLimiter> buckets = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Punches punches = new Punches();
  /** Capabilities a feature added ({@link #capability}), besides {@link #CAPABILITIES}. */
  private final java.util.Set<String> featureCapabilities = new java.util.concurrent.ConcurrentSkipListSet<>();
  private volatile Channel serverChannel;
  /** Opens a tunnel to a peer through another layer (a room), for the dial race; null: no tunnels. */
  private volatile java.util.function.Function<PublicId, CompletableFuture<PeerConnection>> tunnels;

  /** A peer {@link #maintain} keeps connected. */
  private static final class Maintained {
    final List<InetSocketAddress> addrs;
    int failures; // guarded by this object
    long dials; // guarded by this object
    ScheduledFuture<?> timer; // guarded by this object
    DialRace race; // guarded by this object

    Maintained(List<InetSocketAddress> addrs) {
      this.addrs = addrs;
    }

    synchronized void cancel() {
      if (timer != null) {
        timer.cancel(false);
      }
      if (race != null) {
        race.stop();
      }
    }
  }


  /**
   * Starts the event loop; nothing listens until {@link #listen}. {@code identity} is copied; the caller
   * keeps ownership of it.
   */
  public Transport(TransportConfig config, KeyPair identity, NetworkKey networkKey,
      RequestHandler handler, Admission admission) {
    this(config, identity, networkKey, handler, admission, java.time.Clock.systemUTC());
  }

  /** As above, with the clock that keepalive, idle and rate limits read. */
  public Transport(TransportConfig config, org.kith.protocol.identity.KeyPair identity, NetworkKey networkKey,
      RequestHandler handler, Admission admission, java.time.Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.config = Objects.requireNonNull(config, "config");
    this.networkKey = Objects.requireNonNull(networkKey, "networkKey");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.admission = Objects.requireNonNull(admission, "admission");
    this.keys = identity.copy();
    this.localId = identity.id();
    this.group = new MultiThreadIoEventLoopGroup(EVENT_LOOP_THREADS, new DefaultThreadFactory("kith-net", true),
        NioIoHandler.newFactory());
    this.channels = new DefaultChannelGroup("kith-connections", GlobalEventExecutor.INSTANCE);
    this.slots = new ConnectionSlots(config);
  }

  private static boolean reusePortSupported() {
    try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open();
        java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open()) {
      return ch.supportedOptions().contains(java.net.StandardSocketOptions.SO_REUSEPORT)
          && server.supportedOptions().contains(java.net.StandardSocketOptions.SO_REUSEPORT);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Sets {@code SO_REUSEADDR} and, where supported, {@code SO_REUSEPORT} on a dial, to bind the listen port. */
  public static void reusePort(Bootstrap b) {
    b.option(ChannelOption.SO_REUSEADDR, true);
    if (REUSE_PORT_SUPPORTED) {
      b.option(io.netty.channel.socket.nio.NioChannelOption.of(java.net.StandardSocketOptions.SO_REUSEPORT), true);
    }
  }

  /** Lists {@code token} in the {@code HELLO} of connections made from now on, or stops listing it. */
  public void capability(String token, boolean on) {
    if (on) {
      featureCapabilities.add(token);
    } else {
      featureCapabilities.remove(token);
    }
  }

  /** What this node's {@code HELLO} lists now (spec 6.1). */
  List<String> capabilities() {
    if (featureCapabilities.isEmpty()) {
      return CAPABILITIES;
    }
    List<String> all = new java.util.ArrayList<>(CAPABILITIES);
    all.addAll(featureCapabilities);
    return all;
  }

  /** How many connections hold each budget now; read-only, for tests and benchmarks. */
  public record Counts(int handshakes, int unpaired, int peers, int outbound) {}

  /** The connections counted against each budget of {@link TransportConfig} at this moment. */
  public Counts counts() {
    return slots.counts();
  }

  public PublicId localId() {
    return localId;
  }

  public TransportConfig config() {
    return config;
  }

  /** The clock keepalive, idle timeouts and rate limits read. */
  public java.time.Clock clock() {
    return clock;
  }

  /** Starts accepting connections; port 0 picks a free one. Returns the bound address. Once per transport. */
  public synchronized InetSocketAddress listen(String host, int port) throws IOException {
    assertOpen();
    if (serverChannel != null) {
      throw new IllegalStateException("already listening on " + serverChannel.localAddress());
    }
    if (REUSE_PORT_SUPPORTED) {
      // With SO_REUSEPORT a second node of the same user could bind this port too and share its connections: a
      // plain bind first proves the port free (and picks it, for port 0).
      try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
        probe.setReuseAddress(true);
        // The same lookup Netty's bind(host, port) makes below.
        probe.bind(new InetSocketAddress(java.net.InetAddress.getByName(host), port));
        port = probe.getLocalPort();
      } catch (IOException e) {
        throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
      }
    }
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        // A restarted node binds its old port at once, even with connections of the old process in TIME_WAIT.
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ConnectionSlots.Slot slot = accept(ch);
            if (slot == null) {
              return;
            }
            Punches.Expected e = punches.expected(ch.remoteAddress(), clock.millis());
            if (e != null) {
              ch.attr(PeerConnection.DIRECT).set(Boolean.TRUE);
            }
            if (e != null && e.client()) {
              // The peer's punch reached our listener: we are still the SHS client of the upgrade (spec 12.4).
              slots.handshaken(slot, true, true);
              initPipeline(ch, false, e.peer(), null, slot);
            } else {
              initPipeline(ch, true, null, null, slot);
            }
          }
        });
    if (REUSE_PORT_SUPPORTED) {
      // The upgrade to direct dials from this port (spec 12.4).
      b.option(io.netty.channel.socket.nio.NioChannelOption.of(java.net.StandardSocketOptions.SO_REUSEPORT), true);
    }
    ChannelFuture f = b.bind(host, port).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IOException("cannot listen on " + host + ":" + port + ": " + f.cause().getMessage(), f.cause());
    }
    serverChannel = f.channel();
    LOG.debug("listening on {}", serverChannel.localAddress());
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** Where {@link #listen} bound, if it did. */
  public Optional<InetSocketAddress> listenAddress() {
    Channel ch = serverChannel;
    return ch == null ? Optional.empty() : Optional.of((InetSocketAddress) ch.localAddress());
  }

  /**
   * Dials {@code addr} and completes the handshake only if the server holds {@code expectedServer}'s key.
   * Completes at once with the open connection to that peer if there is one. Fails with
   * {@link ConnectFailedException}.
   */
  @Override
  public CompletableFuture<PeerConnection> connect(InetSocketAddress addr, PublicId expectedServer) {
    Objects.requireNonNull(addr, "addr");
    Objects.requireNonNull(expectedServer, "expectedServer");
    CompletableFuture<PeerConnection> result = new CompletableFuture<>();
    if (closed.get()) {
      result.completeExceptionally(
          new ConnectFailedException(ConnectFailedException.Reason.CLOSED, "transport is closed"));
      return result;
    }
    Optional<PeerConnection> existing = connection(expectedServer);
    if (existing.isPresent()) {
      result.complete(existing.get());
      return result;
    }
    dial(addr, expectedServer, result);
    return result;
  }

  /** Dials for {@link #connect}; returns the channel, or null when it failed {@code result} at once. */
  private Channel dial(InetSocketAddress addr, PublicId expectedServer, CompletableFuture<PeerConnection> result) {
    ConnectionSlots.Slot slot = slots.dial();
    if (slot == null) {
      result.completeExceptionally(new ConnectFailedException(ConnectFailedException.Reason.TOO_MANY_CONNECTIONS,
          config.maxOutbound() + " dialled connections open"));
      return null;
    }
    Bootstrap b = dialling(ch -> initPipeline(ch, false, expectedServer, result, slot));
    return connect(b, addr, null, slot, result);
  }

  /** A client bootstrap for this node's dials, whose channels {@code init} sets up. */
  private Bootstrap dialling(java.util.function.Consumer<Channel> init) {
    return new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.handshakeTimeout().toMillis())
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            init.accept(ch);
          }
        });
  }

  /**
   * Connects {@code b} to {@code addr} (from {@code local}, if not null) in the dial {@code slot}: the channel is
   * counted and closed with the transport, and a failed connect fails {@code result}. Null if the transport closed.
   */
  private Channel connect(Bootstrap b, InetSocketAddress addr, InetSocketAddress local, ConnectionSlots.Slot slot,
      CompletableFuture<PeerConnection> result) {
    ChannelFuture f;
    synchronized (this) {
      try {
        f = local == null ? b.connect(addr) : b.connect(addr, local);
      } catch (RejectedExecutionException e) {
        slots.release(slot);
        result.completeExceptionally(
            new ConnectFailedException(ConnectFailedException.Reason.CLOSED, "transport is closed"));
        return null;
      }
      slot.channel = f.channel();
      f.channel().closeFuture().addListener(c -> slots.release(slot));
      channels.add(f.channel());
    }
    f.addListener(c -> {
      if (!c.isSuccess()) {
        boolean timedOut = c.cause() instanceof io.netty.channel.ConnectTimeoutException;
        result.completeExceptionally(new ConnectFailedException(
            timedOut ? ConnectFailedException.Reason.TIMEOUT : ConnectFailedException.Reason.UNREACHABLE,
            addr + ": " + c.cause().getMessage(), c.cause()));
      }
    });
    return f.channel();
  }

  /**
   * Runs the peer pipeline (handshake, box-stream, frames) on {@code ch}, a stream another layer connected and
   * handed over: a tunnel through a room (org.kith.node.reach). {@code ch} must be active and its pipeline free
   * of handlers that touch the bytes. Dialled ({@code inbound} false) it completes as {@link #connect} does,
   * with {@code expectedServer}'s connection; accepted, it is counted and admitted as an inbound connection. The
   * connection's {@link PeerConnection#via()} is {@code via}. Call it on {@code ch}'s event loop; bytes left
   * behind by the previous handler must reach the pipeline after this returns.
   */
  public CompletableFuture<PeerConnection> adopt(Channel ch, boolean inbound, PublicId expectedServer, String via) {
    Objects.requireNonNull(via, "via");
    CompletableFuture<PeerConnection> result = new CompletableFuture<>();
    ConnectionSlots.Slot slot;
    if (inbound) {
      slot = closed.get() ? null : accept(ch);
    } else {
      Objects.requireNonNull(expectedServer, "expectedServer");
      synchronized (this) {
        slot = closed.get() ? null : slots.dial();
        if (slot != null) {
          slot.channel = ch;
          channels.add(ch);
        }
      }
      if (slot != null) {
        ConnectionSlots.Slot s = slot;
        ch.closeFuture().addListener(c -> slots.release(s));
      }
    }
    if (slot == null) {
      ch.close();
      result.completeExceptionally(new ConnectFailedException(ConnectFailedException.Reason.TOO_MANY_CONNECTIONS,
          "no connection slot for a tunnel (or the transport is closed)"));
      return result;
    }
    ch.attr(PeerConnection.VIA).set(via);
    initPipeline(ch, inbound, expectedServer, inbound ? null : result, slot);
    // The handshake starts on channelActive, which this channel saw before it was handed over; the handlers
    // in front of "shs" pass it on.
    ch.pipeline().fireChannelActive();
    if (inbound) {
      result.complete(null);
    }
    return result;
  }

  /**
   * For the upgrade to direct (spec 12.4): until {@code untilMillis} (by {@link #clock()}), a connection the
   * listener accepts from one of {@code from} runs the handshake as {@code client} says, as a dial of
   * {@link #punch} would, since whose SYN arrives first decides only which socket carries the connection.
   */
  public void expectPunch(Collection<InetSocketAddress> from, PublicId peer, boolean client, long untilMillis) {
    punches.expect(from, peer, client, untilMillis);
  }

  /**
   * Dials {@code addr} from the listen port ({@code SO_REUSEPORT}) for the upgrade to direct (spec 12.4) and runs
   * the handshake in the role fixed for the upgrade: SHS client with {@code peer}'s key when {@code client}, else
   * SHS server admitting {@code peer}'s key alone, whichever side's SYN made the TCP connection (a simultaneous
   * open gives both sides a dialled socket). Completes with the connection that then holds {@code peer}'s place.
   */
  public CompletableFuture<PeerConnection> punch(InetSocketAddress addr, PublicId peer, boolean client) {
    CompletableFuture<PeerConnection> result = new CompletableFuture<>();
    Optional<InetSocketAddress> listening = listenAddress();
    ConnectionSlots.Slot slot = closed.get() || listening.isEmpty() ? null : slots.dial();
    if (slot == null) {
      result.completeExceptionally(new ConnectFailedException(ConnectFailedException.Reason.TOO_MANY_CONNECTIONS,
          "not listening, closed, or " + config.maxOutbound() + " dialled connections open"));
      return result;
    }
    Bootstrap b = dialling(ch -> {
      ch.attr(PeerConnection.DIRECT).set(Boolean.TRUE);
      SecretHandshake shs = client ? SecretHandshake.client(networkKey, keys, peer.key())
          : SecretHandshake.server(networkKey, keys, key -> PublicId.ofKey(key).equals(peer) && admitPunch(peer));
      initPipeline(ch, shs, !client, result, slot);
    });
    reusePort(b);
    connect(b, addr, new InetSocketAddress(listening.get().getPort()), slot, result);
    return result;
  }

  private boolean admitPunch(PublicId peer) {
    try {
      return admission.admitHandshake(peer) && admission.isPeer(peer);
    } catch (RuntimeException e) {
      LOG.error("Admission failed with {}; refusing", e.getClass().getName());
      return false;
    }
  }

  /** The open connection to {@code peer}, if any. */
  @Override
  public synchronized Optional<PeerConnection> connection(PublicId peer) {
    PeerConnection c = byPeer.get(peer);
    return c != null && c.isOpen() ? Optional.of(c) : Optional.empty();
  }

  /** The current connection of every connected peer. */
  @Override
  public synchronized Collection<PeerConnection> connections() {
    return byPeer.values().stream().filter(PeerConnection::isOpen).toList();
  }

  /**
   * Keeps an outbound connection to {@code peer} up: dials now if not connected, and after every failure or
   * close again after an exponential backoff from {@link TransportConfig#reconnectMin()} to
   * {@link TransportConfig#reconnectMax()}, each delay drawn from its upper half at random so that peers
   * restarted together do not dial in step. Each attempt is a race (spec/PROTOCOL.md 9.1): {@code addrs[0]}
   * at once, each next address {@link #RACE_HEAD_START} later, and a tunnel ({@link #tunnels}) after
   * {@link #RACE_TUNNEL_AFTER} (at once when there is no address); the first completed handshake wins. An inbound
   * connection from the peer counts as connected. Replaces an earlier call for the same peer. {@code addrs} may
   * be empty only when tunnels are set.
   */
  @Override
  public void maintain(PublicId peer, List<InetSocketAddress> addrs) {
    assertOpen();
    if (addrs.isEmpty() && tunnels == null) {
      throw new IllegalArgumentException("no addresses for " + peer.shortText());
    }
    Maintained m = new Maintained(List.copyOf(addrs));
    Maintained old = maintained.put(peer, m);
    if (old != null) {
      old.cancel();
    }
    if (connection(peer).isEmpty()) {
      schedule(peer, m, 0);
    }
  }

  /**
   * How the dial race opens a tunnel to a peer (a room, org.kith.node.reach); set once by the composition root.
   * The returned future fails at once when no tunnel is possible.
   */
  public void tunnels(java.util.function.Function<PublicId, CompletableFuture<PeerConnection>> dialer) {
    this.tunnels = Objects.requireNonNull(dialer, "dialer");
  }

  /** Stops {@link #maintain}ing {@code peer}. An open connection stays open; close it to drop it. */
  @Override
  public void forget(PublicId peer) {
    Maintained m = maintained.remove(peer);
    if (m != null) {
      m.cancel();
    }
  }

  /** Whether {@link #maintain} keeps {@code peer} connected: until {@link #forget} or {@link #close}. */
  public boolean maintains(PublicId peer) {
    return maintained.containsKey(peer);
  }

  /**
   * Dials {@link #maintain} started to {@code peer} since the call that maintains it now; 0 when it is not
   * maintained. Read-only, so that tests can await reconnect attempts instead of sleeping.
   */
  long dialAttempts(PublicId peer) {
    Maintained m = maintained.get(peer);
    if (m == null) {
      return 0;
    }
    synchronized (m) {
      return m.dials;
    }
  }

  private void schedule(PublicId peer, Maintained m, long delayMillis) {
    if (closed.get() || maintained.get(peer) != m) {
      return;
    }
    synchronized (m) {
      try {
        m.timer = group.schedule(() -> attempt(peer, m), delayMillis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // Shutting down.
      }
    }
  }

  private void attempt(PublicId peer, Maintained m) {
    if (closed.get() || maintained.get(peer) != m || connection(peer).isPresent()) {
      return; // a close of the present connection schedules the next attempt
    }
    java.util.function.Function<PublicId, CompletableFuture<PeerConnection>> tunnel = tunnels;
    List<InetSocketAddress> addrs = m.addrs;
    DialRace race;
    synchronized (m) {
      if (m.race != null || (addrs.isEmpty() && tunnel == null)) {
        return; // one race at a time: its end schedules the next
      }
      race = new DialRace(peer, addrs.size() + (tunnel != null ? 1 : 0), group, this::connection,
          (won, last) -> raceEnded(peer, m, won != null, last));
      m.dials++;
      m.race = race;
    }
    long head = RACE_HEAD_START.toMillis();
    for (int i = 0; i < addrs.size(); i++) {
      InetSocketAddress addr = addrs.get(i);
      race.start(i * head, () -> {
        CompletableFuture<PeerConnection> f = new CompletableFuture<>();
        Channel ch = dial(addr, peer, f);
        if (ch != null) {
          race.dialling(ch);
        }
        return f;
      });
    }
    if (tunnel != null) {
      race.start(addrs.isEmpty() ? 0 : RACE_TUNNEL_AFTER.toMillis(), () -> tunnel.apply(peer));
    }
  }

  /**
   * One dial race to {@code peer} for a one-off dial such as pairing (spec/PROTOCOL.md 9.1): {@code addrs} at
   * once, each next one {@link #RACE_HEAD_START} later, and every tunnel {@link #RACE_TUNNEL_AFTER} after the start
   * (at once when there is no address). Completes with the first connection, or fails with the last failure once
   * every path failed; quiet losers are closed. An address that drops packets therefore costs a quarter second,
   * not the handshake timeout.
   */
  @Override
  public CompletableFuture<PeerConnection> race(PublicId peer, List<InetSocketAddress> addrs,
      List<java.util.function.Supplier<CompletableFuture<PeerConnection>>> viaTunnels) {
    CompletableFuture<PeerConnection> result = new CompletableFuture<>();
    if (addrs.isEmpty() && viaTunnels.isEmpty()) {
      result.completeExceptionally(new IllegalArgumentException("no way to reach " + peer.shortText()));
      return result;
    }
    DialRace race = new DialRace(peer, addrs.size() + viaTunnels.size(), group, this::connection,
        (won, last) -> {
          if (won != null) {
            result.complete(won);
          } else {
            result.completeExceptionally(last);
          }
        });
    long head = RACE_HEAD_START.toMillis();
    for (int i = 0; i < addrs.size(); i++) {
      InetSocketAddress addr = addrs.get(i);
      race.start(i * head, () -> {
        CompletableFuture<PeerConnection> f = new CompletableFuture<>();
        Channel ch = dial(addr, peer, f);
        if (ch != null) {
          race.dialling(ch);
        }
        return f;
      });
    }
    for (java.util.function.Supplier<CompletableFuture<PeerConnection>> t : viaTunnels) {
      race.start(addrs.isEmpty() ? 0 : RACE_TUNNEL_AFTER.toMillis(), t);
    }
    return result;
  }

  /** A race ended: resets the backoff if it was won, else schedules the next race after it. */
  private void raceEnded(PublicId peer, Maintained m, boolean won, Throwable last) {
    long delay;
    synchronized (m) {
      m.race = null;
      if (won) {
        m.failures = 0;
        return;
      }
      m.failures = Math.min(m.failures + 1, 62);
      delay = backoffMillis(m.failures);
    }
    LOG.debug("dial race to {} lost on every path ({}); next in {} ms", peer.shortText(),
        last == null ? "?" : last.getMessage(), delay);
    schedule(peer, m, delay);
  }

  /** Delay after {@code failures} failures in a row (0 after a close): min * 2^failures, capped, jittered. */
  long backoffMillis(int failures) {
    long min = config.reconnectMin().toMillis();
    long max = config.reconnectMax().toMillis();
    double d = Math.min(max, min * Math.pow(2, Math.min(failures, 30)));
    return (long) (d / 2 + ThreadLocalRandom.current().nextDouble() * d / 2);
  }

  // --- called by the pipeline ----------------------------------------------------------------------------

  /** An inbound connection was accepted: takes a handshake slot, closing whom it displaces; null refuses it. */
  private ConnectionSlots.Slot accept(Channel ch) {
    ConnectionSlots.Admitted a;
    synchronized (this) {
      a = closed.get() ? null : slots.accept(ch);
      if (a == null) {
        LOG.debug("refused {}: transport closed, or every handshake slot taken by a refusal", ch.remoteAddress());
        ch.close();
        return null;
      }
      channels.add(ch);
    }
    ch.closeFuture().addListener(c -> slots.release(a.slot()));
    if (a.displaced() != null) {
      LOG.debug("{} displaces the oldest handshake from {}", ch.remoteAddress(), a.displaced().remoteAddress());
      a.displaced().close();
    }
    return a.slot();
  }

  private void initPipeline(Channel ch, boolean inbound, PublicId expectedServer,
      CompletableFuture<PeerConnection> connectFuture, ConnectionSlots.Slot slot) {
    SecretHandshake shs = inbound
        ? SecretHandshake.server(networkKey, keys, key -> admitHandshake(PublicId.ofKey(key), slot))
        : SecretHandshake.client(networkKey, keys, expectedServer.key());
    initPipeline(ch, shs, inbound, connectFuture, slot);
  }

  /** {@code inbound}: this side is the SHS server. */
  private void initPipeline(Channel ch, SecretHandshake shs, boolean inbound,
      CompletableFuture<PeerConnection> connectFuture, ConnectionSlots.Slot slot) {
    BoxStreamCodec boxStream = new BoxStreamCodec();
    ch.pipeline()
        .addLast("shs", new ShsHandler(shs, boxStream, config.handshakeTimeout().toMillis()))
        .addLast("box-stream", boxStream)
        // While a read is in progress, flushes wait for its end, so the box-stream boxes a burst of responses
        // together; outside reads every flush goes through at once.
        .addLast("flush", new FlushConsolidationHandler(FLUSH_CONSOLIDATION_LIMIT, false))
        .addLast("frame", new FrameCodecHandler())
        // Reads only: watching writes too would cost a listener on every write.
        .addLast("idle", new IdleStateHandler(config.keepaliveInterval().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
        .addLast("connection", new ConnectionHandler(this, inbound, connectFuture, slot));
  }

  /**
   * The server side of the handshake proved {@code client}'s key: refuses a blocked key, then moves the
   * connection from its handshake slot to a peer's or a stranger's. A stranger over its budget still completes
   * the handshake, so that it can be told "busy" ({@link ConnectionHandler}); a peer over its budget is refused
   * here, unless it has a connection to replace.
   */
  private boolean admitHandshake(PublicId client, ConnectionSlots.Slot slot) {
    boolean peer;
    try {
      if (!admission.admitHandshake(client)) {
        LOG.debug("handshake refused for {}", client.shortText());
        return false;
      }
      peer = admission.isPeer(client);
    } catch (RuntimeException e) {
      LOG.error("Admission failed with {}; refusing", e.getClass().getName());
      return false;
    }
    ConnectionSlots.Admitted a = slots.handshaken(slot, peer, peer && connection(client).isPresent());
    if (a == null) {
      LOG.debug("handshake refused for {}: {} peer connections open", client.shortText(), config.maxConnections());
      return false;
    }
    if (a.displaced() != null) {
      LOG.debug("an unpaired connection from {} displaces the oldest idle one", slot.source);
      a.displaced().close();
    }
    return true;
  }

  /** After an unpaired key's request was answered: true if the key is a peer now and its connection stays. */
  boolean promote(ConnectionSlots.Slot slot, PublicId key) {
    try {
      return admission.isPeer(key) && slots.promote(slot);
    } catch (RuntimeException e) {
      LOG.error("Admission.isPeer failed with {}", e.getClass().getName());
      return false;
    }
  }

  void requestOpen(ConnectionSlots.Slot slot, boolean open) {
    slots.requestOpen(slot, open);
  }

  boolean allow(PublicId peer, FrameType type) {
    try {
      return admission.allow(peer, type);
    } catch (RuntimeException e) {
      LOG.error("Admission.allow failed with {}; refusing", e.getClass().getName());
      return false;
    }
  }

  /** The request budget of {@code peer}; buckets that refilled completely are dropped, which changes nothing. */
  RateLimiter bucket(PublicId peer) {
    long now = clock.millis();
    if (buckets.size() > 2 * config.maxConnections()) {
      buckets.entrySet().removeIf(e -> e.getValue().isFull(now));
    }
    return buckets.computeIfAbsent(peer, k -> new RateLimiter(config.maxRequestsPerSecondPerPeer(),
        java.time.Duration.ofSeconds(1), config.maxRequestBurstPerPeer(), now));
  }

  RequestHandler handler() {
    return handler;
  }

  /** A handshake completed: applies the one-connection-per-peer rule and announces the winner. */
  void register(PeerConnection conn, CompletableFuture<PeerConnection> connectFuture) {
    PeerConnection winner = null;
    PeerConnection loser = null;
    synchronized (this) {
      if (!closed.get()) {
        PeerConnection existing = byPeer.get(conn.remote());
        if (existing == null || !existing.isOpen() || keepNew(conn, existing)) {
          byPeer.put(conn.remote(), conn);
          conn.announced = true;
          winner = conn;
          loser = existing;
        } else {
          winner = existing;
          loser = conn;
        }
      }
    }
    if (winner == null) {
      conn.close();
      if (connectFuture != null) {
        connectFuture.completeExceptionally(
            new ConnectFailedException(ConnectFailedException.Reason.CLOSED, "transport is closed"));
      }
      return;
    }
    if (loser != null && loser.isOpen()) {
      LOG.debug("{} replaces {}", winner, loser);
      if (loser.via().isPresent() && winner.via().isEmpty()) {
        // Moved off a room (spec 12.4): what is in flight on the relayed connection is answered there first.
        loser.closeWhenIdle(config.requestTimeout().toMillis());
      } else {
        loser.close();
      }
    }
    if (winner == conn) {
      try {
        handler.onConnected(conn);
      } catch (RuntimeException e) {
        LOG.error("onConnected failed with {}", e.getClass().getName());
      }
    }
    if (connectFuture != null) {
      connectFuture.complete(winner);
    }
  }

  private boolean keepNew(PeerConnection fresh, PeerConnection existing) {
    // A direct connection replaces one through a room, and a room's never replaces an open direct one (12.4).
    if (fresh.via().isPresent() != existing.via().isPresent()) {
      return existing.via().isPresent();
    }
    if (fresh.punched() && existing.punched()) {
      // Two dials of one upgrade both got through, maybe in another order at the other end: both ends keep the
      // one with the smaller handshake tag.
      return Arrays.compareUnsigned(fresh.tag, existing.tag) < 0;
    }
    if (fresh.inbound() == existing.inbound()) {
      return true;
    }
    return Arrays.compareUnsigned(dialler(fresh), dialler(existing)) < 0;
  }

  private byte[] dialler(PeerConnection c) {
    return c.inbound() ? c.remote().key() : localId.key();
  }

  /** A connection closed. */
  void unregister(PeerConnection conn) {
    boolean gone;
    synchronized (this) {
      gone = byPeer.remove(conn.remote(), conn);
    }
    if (conn.announced) {
      try {
        handler.onClosed(conn);
      } catch (RuntimeException e) {
        LOG.error("onClosed failed with {}", e.getClass().getName());
      }
    }
    Maintained m = maintained.get(conn.remote());
    if (gone && m != null) {
      long delay;
      synchronized (m) {
        delay = backoffMillis(m.failures);
      }
      schedule(conn.remote(), m, delay);
    }
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("transport is closed");
    }
  }

  /**
   * Stops reconnecting, sends the goodbye on every connection, closes them and the listener, and shuts the
   * event loop down. Idempotent. Blocks for a few seconds at most; called from one of the transport's own
   * callbacks it does the same without waiting.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    maintained.values().forEach(Maintained::cancel);
    maintained.clear();
    boolean onEventLoop = false;
    for (io.netty.util.concurrent.EventExecutor e : group) {
      onEventLoop |= e.inEventLoop();
    }
    Channel server = serverChannel;
    if (onEventLoop) {
      // Called from a callback: waiting here would wait for ourselves. Everything still happens, in order.
      if (server != null) {
        server.close();
      }
      channels.close();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> keys.close());
      return;
    }
    if (server != null) {
      server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
    channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    keys.close();
    LOG.debug("transport closed");
  }
}
