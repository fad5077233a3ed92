package org.kith.node.reach;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.base.KithException;
import org.kith.node.reach.RoomMessage.Code;
import org.kith.node.reach.RoomMessage.Type;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A room (spec/PROTOCOL.md 12.2): a relay any member of a community can run with {@code kith room start}.
 * Members keep a control connection to it; on a member's request it splices two members' connections, when
 * both are members and the called one accepts, and from then on copies bytes between them. The two run their
 * own Secret Handshake and box-stream end to end inside, so the room sees who talks with whom, when and how
 * much, and no content. It stores its key and its members' keys and nothing else; it logs no content and no
 * keys of members beyond a short prefix at DEBUG.
 *
 * <p>All state is confined to one event loop thread: a room's work is copying bytes, which one thread does at
 * hundreds of MB/s, and one thread needs no locks.
 */
public final class RoomServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RoomServer.class);
  private static final HexFormat HEX = HexFormat.of();

  private final RoomHome home;
  private final KeyPair keys;
  private final String name;
  private final NetworkKey networkKey;
  private final RoomLimits limits;
  private final Clock clock;
  private final Relay.Tap tap;
  private final EventLoopGroup group;
  private final ChannelGroup channels = new DefaultChannelGroup("kith-room", GlobalEventExecutor.INSTANCE);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final SecureRandom random = new SecureRandom();
  // Event loop only, below.
  private final Set<PublicId> members;
  private final Map<PublicId, RoomChannel> here = new HashMap<>();
  private final Map<String, Pending> pending = new HashMap<>();
  private final Map<PublicId, Integer> tunnels = new HashMap<>();
  private final Map<PublicId, Relay.Meter> meters = new HashMap<>();
  private int open;
  private final Map<java.net.InetAddress, Integer> perAddress = new HashMap<>();
  private volatile Channel server;
  private final DialBacks dialBacks;

  /** A tunnel asked for and not yet accepted. */
  private record Pending(String id, RoomChannel caller, PublicId callee, ScheduledFuture<?> timer) {}

  /** A room serving {@code home}'s key and members; nothing listens until {@link #listen}. */
  public RoomServer(RoomHome home, RoomLimits limits, Clock clock) throws KithException {
    this(home, limits, clock, null);
  }

  /** As above; {@code tap} sees every relayed byte (tests check that it is ciphertext). */
  RoomServer(RoomHome home, RoomLimits limits, Clock clock, Relay.Tap tap) throws KithException {
    this.home = home;
    this.keys = home.keyPair();
    this.name = home.name();
    this.members = new LinkedHashSet<>(home.members());
    this.networkKey = NetworkKey.KITH_V1;
    this.limits = limits;
    this.clock = clock;
    this.tap = tap;
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("kith-room", true),
        NioIoHandler.newFactory());
    this.dialBacks = new DialBacks(group, keys, clock, channels);
  }

  public PublicId id() {
    return keys.id();
  }

  public String name() {
    return name;
  }

  /** Starts listening ({@code port} 0 picks one) and records where in the room's home. */
  public InetSocketAddress listen(String host, int port) throws KithException {
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            accept(ch);
          }
        });
    ChannelFuture f = b.bind(host, port).awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw KithException.badInput("cannot listen on " + host + ":" + port + ": " + f.cause().getMessage()
          + " (is another room using that port? pick another with --listen HOST:PORT)");
    }
    server = f.channel();
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    String shown = a.getAddress().isAnyLocalAddress() ? "0.0.0.0" : a.getAddress().getHostAddress();
    home.saveListen(shown + ":" + a.getPort());
    return a;
  }

  private void accept(Channel ch) {
    java.net.InetAddress source = ((InetSocketAddress) ch.remoteAddress()).getAddress();
    int fromThere = perAddress.getOrDefault(source, 0);
    if (open >= limits.maxConnections() || fromThere >= limits.maxConnectionsPerAddress()) {
      LOG.debug("refused a connection: {} open, {} from its address", open, fromThere);
      ch.close();
      return;
    }
    open++;
    perAddress.put(source, fromThere + 1);
    channels.add(ch);
    ch.closeFuture().addListener(c -> {
      open--;
      perAddress.computeIfPresent(source, (k, n) -> n <= 1 ? null : n - 1);
    });
    SecretHandshake shs = SecretHandshake.server(networkKey, keys, key -> true);
    ch.pipeline()
        .addLast("idle", new IdleStateHandler(limits.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
        .addLast("room", new RoomChannel(shs, new Control(), limits.handshakeTimeout().toMillis(), true))
        .addLast("idle-close", new ChannelInboundHandlerAdapter() {
          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
              ctx.close();
            }
          }
        });
  }

  /** Members now, for tests and {@code kith room start}'s summary. */
  public int memberCount() {
    return group.next().submit(members::size).syncUninterruptibly().getNow();
  }

  /** Whether {@code member} has a control connection now. */
  public boolean isHere(PublicId member) {
    return group.next().submit(() -> here.containsKey(member)).syncUninterruptibly().getNow();
  }

  /** One connection's side of the protocol. */
  private final class Control implements RoomChannel.Listener {
    private boolean used;

    @Override
    public void ready(RoomChannel ch, PublicId remote) {
      LOG.debug("room handshake with {}", remote.shortText());
    }

    @Override
    public void message(RoomChannel ch, RoomMessage m) {
      PublicId who = ch.remote();
      // A connection is either a control connection (JOIN or HERE first, then PING, LEAVE, REFUSE) or a tunnel
      // end (one CONNECT or ACCEPT, then the splice).
      if (m.type() == Type.PING && used && here.get(who) == ch) {
        ch.send(RoomMessage.of(Type.PONG));
        return;
      }
      if (m.type() == Type.DIALBACK && here.get(who) == ch) {
        dialBacks.handle(ch, who, m.dial().port());
        return;
      }
      if (m.type() == Type.REFUSE && here.get(who) == ch) {
        refuse(who, m.tunnelId());
        return;
      }
      if (m.type() == Type.LEAVE && here.get(who) == ch) {
        members.remove(who);
        here.remove(who);
        saveMembers();
        ch.send(RoomMessage.of(Type.LEFT)).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      if (used) {
        fail(ch, Code.MALFORMED, "unexpected " + m.type());
        return;
      }
      used = true;
      switch (m.type()) {
        case JOIN -> join(ch, who, m.secret());
        case HERE -> {
          if (!members.contains(who)) {
            fail(ch, Code.NOT_MEMBER, "not a member of this room: join with a room code");
            return;
          }
          present(ch, who);
        }
        case CONNECT -> connect(ch, who, m.key());
        case ACCEPT -> accepted(ch, who, m.tunnelId());
        default -> fail(ch, Code.MALFORMED, "unexpected " + m.type());
      }
    }

    @Override
    public void closed(RoomChannel ch, Throwable cause) {
      PublicId who = ch.remote();
      if (who != null && here.get(who) == ch) {
        here.remove(who);
        LOG.debug("{} left the room's presence", who.shortText());
      }
      pending.values().removeIf(p -> {
        if (p.caller() == ch) {
          p.timer().cancel(false);
          release(who);
          return true;
        }
        return false;
      });
    }
  }

  private void join(RoomChannel ch, PublicId who, byte[] secret) {
    if (!members.contains(who)) {
      if (members.size() >= RoomHome.MAX_MEMBERS) {
        fail(ch, Code.FULL, "this room has " + RoomHome.MAX_MEMBERS + " members, its most");
        return;
      }
      boolean ok;
      try {
        ok = home.redeem(secret, clock);
      } catch (KithException e) {
        LOG.warn("cannot read the room's invites ({})", e.getClass().getSimpleName());
        ok = false;
      }
      if (!ok) {
        fail(ch, Code.BAD_SECRET, "this room code was used, expired, or is not one of this room's: ask for a new one");
        return;
      }
      members.add(who);
      saveMembers();
    }
    present(ch, who);
  }

  private void saveMembers() {
    try {
      home.saveMembers(members);
    } catch (KithException e) {
      LOG.warn("cannot save the room's members ({})", e.getClass().getSimpleName());
    }
  }

  private void present(RoomChannel ch, PublicId who) {
    RoomChannel old = here.put(who, ch);
    if (old != null && old != ch) {
      old.close();
    }
    // Where the member's connection comes from, as this room sees it (after any NAT): its candidate for the
    // upgrade to a direct connection (spec 12.4).
    java.net.SocketAddress from = ch.channel().remoteAddress();
    ch.send(RoomMessage.welcome(name, from instanceof java.net.InetSocketAddress a ? a : null));
  }

  private void connect(RoomChannel ch, PublicId caller, PublicId callee) {
    if (!members.contains(caller)) {
      fail(ch, Code.NOT_MEMBER, "not a member of this room: join with a room code");
      return;
    }
    RoomChannel target = members.contains(callee) ? here.get(callee) : null;
    // One answer for "not a member" and "not connected": a member learns no more than whether it can call.
    if (target == null || callee.equals(caller)) {
      fail(ch, Code.NOT_HERE, "that key is not connected to this room now");
      return;
    }
    if (tunnels.getOrDefault(caller, 0) >= limits.maxTunnelsPerMember()
        || tunnels.getOrDefault(callee, 0) >= limits.maxTunnelsPerMember()) {
      fail(ch, Code.LIMIT, "too many tunnels open (at most " + limits.maxTunnelsPerMember() + " per member)");
      return;
    }
    byte[] id = new byte[RoomMessage.TUNNEL_ID_BYTES];
    random.nextBytes(id);
    String key = HEX.formatHex(id);
    ScheduledFuture<?> timer = ch.channel().eventLoop().schedule(() -> {
      Pending p = pending.remove(key);
      if (p != null) {
        release(caller);
        fail(p.caller(), Code.REFUSED, "the member did not accept within " + limits.acceptTimeout().toSeconds()
            + " s");
      }
    }, limits.acceptTimeout().toMillis(), TimeUnit.MILLISECONDS);
    pending.put(key, new Pending(key, ch, callee, timer));
    tunnels.merge(caller, 1, Integer::sum);
    target.send(RoomMessage.incoming(caller, id));
  }

  private void refuse(PublicId callee, byte[] id) {
    Pending p = pending.get(HEX.formatHex(id));
    if (p != null && p.callee().equals(callee)) {
      pending.remove(p.id());
      p.timer().cancel(false);
      release(p.caller().remote());
      fail(p.caller(), Code.REFUSED, "the member did not accept the connection");
    }
  }

  private void accepted(RoomChannel ch, PublicId callee, byte[] id) {
    Pending p = pending.get(HEX.formatHex(id));
    if (p == null || !p.callee().equals(callee)) {
      fail(ch, Code.NOT_HERE, "no such tunnel waiting (it timed out or the caller left)");
      return;
    }
    pending.remove(p.id());
    p.timer().cancel(false);
    PublicId caller = p.caller().remote();
    tunnels.merge(callee, 1, Integer::sum);
    Channel a = p.caller().channel();
    Channel b = ch.channel();
    Relay.Meter ma = meters.computeIfAbsent(caller,
        k -> new Relay.Meter(limits.bytesPerSecondPerMember(), limits.burstBytesPerMember(), clock));
    Relay.Meter mb = meters.computeIfAbsent(callee,
        k -> new Relay.Meter(limits.bytesPerSecondPerMember(), limits.burstBytesPerMember(), clock));
    p.caller().send(RoomMessage.spliced(callee));
    ch.send(RoomMessage.spliced(caller));
    for (Channel c : new Channel[] {a, b}) {
      c.pipeline().remove("idle");
      c.pipeline().remove("idle-close");
    }
    a.pipeline().addLast("relay", new Relay(b, ma, tap));
    b.pipeline().addLast("relay", new Relay(a, mb, tap));
    p.caller().handOver();
    ch.handOver();
    AtomicBoolean released = new AtomicBoolean();
    ChannelFutureListener done = f -> {
      if (released.compareAndSet(false, true)) {
        release(caller);
        release(callee);
        if (meters.size() > 2 * here.size() + 16) {
          meters.keySet().removeIf(k -> !tunnels.containsKey(k));
        }
      }
    };
    a.closeFuture().addListener(done);
    b.closeFuture().addListener(done);
    LOG.debug("tunnel spliced between {} and {}", caller.shortText(), callee.shortText());
  }

  private void release(PublicId member) {
    if (member != null) {
      tunnels.computeIfPresent(member, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  private void fail(RoomChannel ch, Code code, String message) {
    ch.send(RoomMessage.error(code, message)).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Channel s = server;
    if (s != null) {
      s.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
    channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    keys.close();
  }

  /** Loads the room in {@code home}; for {@code kith room start}. */
  public static RoomServer open(RoomHome home, RoomLimits limits) throws KithException {
    return new RoomServer(home, limits, Clock.systemUTC());
  }

}
