package org.kith.node.reach;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.kith.node.net.PeerConnection;
import org.kith.node.reach.RoomMessage.Type;
import org.kith.protocol.identity.PublicId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's control connection to one room: says HERE, pings, hears INCOMING tunnels and answers them, and
 * reconnects after a close with an exponential backoff on the node's scheduler. Opens tunnels to peers.
 */
final class RoomLink {
  private static final Logger LOG = LoggerFactory.getLogger(RoomLink.class);
  /** Pings at a third of the room's default idle timeout. */
  static final Duration PING_EVERY = Duration.ofSeconds(30);
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  /** A tunnel end's deadline for the room's answer: beyond the room's own 10 s wait for the called member. */
  static final Duration TUNNEL_TIMEOUT = Duration.ofSeconds(25);
  /** INCOMING being decided or accepted at once; the room's further ones are refused (spec 12.2.4). */
  static final int MAX_INCOMING = 16;
  /** A member's deadline for the room's DIALED: beyond the room's own 5 s dial (spec 12.5). */
  static final Duration DIAL_BACK_TIMEOUT = Duration.ofSeconds(15);

  private final Rooms rooms;
  private final Rooms.Room room;
  private final String via;
  private volatile RoomChannel control;
  private volatile boolean welcomed;
  /** Where the room saw this control connection come from (its WELCOME), while connected. */
  private volatile java.net.InetSocketAddress observed;
  private volatile String problem;
  private volatile boolean closed;
  private final java.util.concurrent.atomic.AtomicInteger answering = new java.util.concurrent.atomic.AtomicInteger();
  private int failures; // guarded by this
  private ScheduledFuture<?> timer; // guarded by this
  private ScheduledFuture<?> pinger; // guarded by this
  private CompletableFuture<RoomMessage.DialBack> dialing; // guarded by this

  RoomLink(Rooms rooms, Rooms.Room room) {
    this.rooms = rooms;
    this.room = room;
    this.via = "room " + room.name();
  }

  String roomName() {
    return room.name();
  }

  boolean connected() {
    return welcomed && control != null;
  }

  /** Where the room sees this node, from its last WELCOME while connected (spec 12.2.1); null if not told. */
  java.net.InetSocketAddress observed() {
    return connected() ? observed : null;
  }

  /** Why the room is not connected, if known. */
  String problem() {
    return problem;
  }

  void start() {
    connect();
  }

  private void connect() {
    if (closed || rooms.isClosed()) {
      return;
    }
    // From the listen port (any local address: the route picks it), so that a port-preserving NAT shows the
    // room the port peers punch to (spec 12.4).
    RoomClient.dial(rooms.group(), room.address().toSocketAddress(),
        rooms.transport().listenAddress().map(a -> new java.net.InetSocketAddress(a.getPort())).orElse(null),
        room.id(), rooms.keys(), TIMEOUT.toMillis(), new RoomChannel.Listener() {
          @Override
          public void ready(RoomChannel ch, PublicId remote) {
            control = ch;
            ch.send(RoomMessage.of(Type.HERE));
          }

          @Override
          public void message(RoomChannel ch, RoomMessage m) {
            onMessage(ch, m);
          }

          @Override
          public void closed(RoomChannel ch, Throwable cause) {
            onClosed(ch, cause);
          }
        });
  }

  private void onMessage(RoomChannel ch, RoomMessage m) {
    switch (m.type()) {
      case WELCOME -> {
        observed = m.observed();
        welcomed = true;
        problem = null;
        synchronized (this) {
          failures = 0;
          schedulePing();
        }
        LOG.debug("in room {}", room.id().shortText());
        rooms.welcomed(room);
      }
      case DIALED -> {
        CompletableFuture<RoomMessage.DialBack> f;
        synchronized (this) {
          f = dialing;
          dialing = null;
        }
        if (f != null) {
          f.complete(m.dial());
        }
      }
      case INCOMING -> incoming(ch, m.key(), m.tunnelId());
      case ERROR -> {
        problem = m.code() == RoomMessage.Code.NOT_MEMBER ? "the room no longer lists you as a member" : m.text();
        ch.close();
      }
      default -> {
        // PONG, LEFT: nothing to do
      }
    }
  }

  private void onClosed(RoomChannel ch, Throwable cause) {
    if (ch != null && control != ch && control != null) {
      return;
    }
    control = null;
    welcomed = false;
    CompletableFuture<RoomMessage.DialBack> asked;
    synchronized (this) {
      asked = dialing;
      dialing = null;
    }
    if (asked != null) {
      asked.completeExceptionally(new RoomClient.RoomRefusedException(null, "the room connection closed"));
    }
    observed = null;
    if (cause != null && problem == null) {
      problem = "cannot reach the room: " + RoomClient.describe(cause);
    }
    long delay;
    synchronized (this) {
      if (pinger != null) {
        pinger.cancel(false);
      }
      failures = Math.min(failures + 1, 20);
      long min = rooms.transport().config().reconnectMin().toMillis();
      long max = rooms.transport().config().reconnectMax().toMillis();
      double d = Math.min(max, min * Math.pow(2, failures - 1));
      delay = (long) (d / 2 + ThreadLocalRandom.current().nextDouble() * d / 2);
    }
    schedule(this::connect, delay);
  }

  private synchronized void schedulePing() {
    if (pinger != null) {
      pinger.cancel(false);
    }
    try {
      long every = PING_EVERY.toMillis();
      pinger = rooms.scheduler().scheduleWithFixedDelay(() -> {
        RoomChannel c = control;
        if (c != null) {
          c.channel().eventLoop().execute(() -> c.send(RoomMessage.of(Type.PING)));
        }
      }, every, every, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private synchronized void schedule(Runnable r, long delayMillis) {
    if (closed) {
      return;
    }
    try {
      timer = rooms.scheduler().schedule(r, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * Asks the room to dial this node back at {@code port} of the address it sees us at (spec 12.5); completes with
   * the room's DIALED. One at a time: a second ask while one is out gets the same answer.
   */
  CompletableFuture<RoomMessage.DialBack> dialBack(int port) {
    RoomChannel c = control;
    if (c == null || !welcomed) {
      return CompletableFuture.failedFuture(new RoomClient.RoomRefusedException(null, "not connected to the room"));
    }
    CompletableFuture<RoomMessage.DialBack> f;
    synchronized (this) {
      if (dialing != null) {
        return dialing;
      }
      f = new CompletableFuture<>();
      dialing = f;
    }
    f.orTimeout(DIAL_BACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
      synchronized (this) {
        if (dialing == f) {
          dialing = null;
        }
      }
    });
    c.channel().eventLoop().execute(() -> c.send(RoomMessage.dialBack(port)));
    return f;
  }

  /** A member asks for a tunnel: accept on a fresh connection when the node says so, else refuse. */
  private void incoming(RoomChannel ch, PublicId caller, byte[] tunnelId) {
    CompletableFuture<Boolean> decision;
    if (answering.incrementAndGet() > MAX_INCOMING) {
      decision = CompletableFuture.completedFuture(false); // a room cannot make us do unbounded work
    } else {
      try {
        decision = CompletableFuture.supplyAsync(() -> rooms.accepts(caller), rooms.worker());
      } catch (RejectedExecutionException e) {
        decision = CompletableFuture.completedFuture(false); // the node is busy or closing: refuse
      }
    }
    decision.whenComplete((yes, e) -> {
      if (e != null || !yes) {
        answering.decrementAndGet();
      }
    });
    decision.whenComplete((yes, e) -> {
      if (e == null && yes) {
        RoomClient.ask(rooms.group(), room.address().toSocketAddress(), room.id(), rooms.keys(),
            TUNNEL_TIMEOUT.toMillis(), RoomMessage.accept(tunnelId),
            (tch, other) -> adopt(tch, caller, other, true, null))
            .whenComplete((m, x) -> answering.decrementAndGet());
      } else {
        ch.channel().eventLoop().execute(() -> ch.send(RoomMessage.refuse(tunnelId)));
      }
    });
  }

  /** Opens a tunnel to {@code peer}; completes with the connection once the handshake inside it is done. */
  CompletableFuture<PeerConnection> tunnel(PublicId peer) {
    CompletableFuture<PeerConnection> result = new CompletableFuture<>();
    RoomClient.ask(rooms.group(), room.address().toSocketAddress(), room.id(), rooms.keys(), TUNNEL_TIMEOUT.toMillis(),
        RoomMessage.connect(peer), (tch, other) -> adopt(tch, peer, other, false, result))
        .whenComplete((m, e) -> {
          if (e != null) {
            result.completeExceptionally(e instanceof CompletionException ? e.getCause() : e);
          }
        });
    return result;
  }

  /** The room spliced us with {@code other}: runs the node's own pipeline on the stream, end to end. */
  private void adopt(RoomChannel tch, PublicId expected, PublicId other, boolean inbound,
      CompletableFuture<PeerConnection> result) {
    Channel ch = tch.channel();
    if (!other.equals(expected)) {
      ch.close();
      if (result != null) {
        result.completeExceptionally(new RoomClient.RoomRefusedException(null, "the room spliced another key"));
      }
      return;
    }
    if (!inbound && rooms.transport().connection(expected).isPresent()) {
      // Reached some other way meanwhile: the first completed handshake wins.
      ch.close();
      result.complete(rooms.transport().connection(expected).get());
      return;
    }
    CompletableFuture<PeerConnection> f = rooms.transport().adopt(ch, inbound, inbound ? null : expected, via);
    tch.handOver();
    if (result != null) {
      f.whenComplete((c, e) -> {
        if (e != null) {
          result.completeExceptionally(e);
        } else {
          result.complete(c);
        }
      });
    }
  }

  /** Tells the room we leave (when connected), then closes. */
  void leave() {
    RoomChannel c = stop();
    if (c != null) {
      c.channel().eventLoop().execute(() ->
          c.send(RoomMessage.of(Type.LEAVE)).addListener(io.netty.channel.ChannelFutureListener.CLOSE));
    }
  }

  void close() {
    RoomChannel c = stop();
    if (c != null) {
      c.close();
    }
  }

  private RoomChannel stop() {
    closed = true;
    synchronized (this) {
      if (timer != null) {
        timer.cancel(false);
      }
      if (pinger != null) {
        pinger.cancel(false);
      }
    }
    return control;
  }
}
