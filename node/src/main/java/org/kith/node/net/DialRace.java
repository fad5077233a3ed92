package org.kith.node.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.kith.protocol.identity.PublicId;

/**
 * One dial race to a peer {@link Transport#maintain} keeps connected (spec/PROTOCOL.md 9.1): every TCP address
 * and the tunnel, each started after the one before had its head start; the first completed handshake wins.
 * Attempts not yet started are then cancelled and dials that have heard nothing from the other end are closed
 * ({@link ShsHandler#heardFromPeer}); a dial already in the handshake is left to finish, and if it does, the
 * one-connection-per-peer rule settles it on both ends alike. {@code ended} is told once: the winning connection
 * (the peer's open one, if it had one when a path started), or null and the last failure once every path failed.
 */
final class DialRace {
  private final PublicId peer;
  private final EventLoopGroup group;
  private final Function<PublicId, Optional<PeerConnection>> open;
  private final BiConsumer<PeerConnection, Throwable> ended;
  private final List<ScheduledFuture<?>> starts = new ArrayList<>(); // guarded by this
  private final List<Channel> dialling = new ArrayList<>(); // guarded by this
  private int outstanding; // guarded by this
  private boolean done; // guarded by this
  private Throwable lastError; // guarded by this

  DialRace(PublicId peer, int attempts, EventLoopGroup group, Function<PublicId, Optional<PeerConnection>> open,
      BiConsumer<PeerConnection, Throwable> ended) {
    this.peer = peer;
    this.outstanding = attempts;
    this.group = group;
    this.open = open;
    this.ended = ended;
    if (attempts < 1) {
      throw new IllegalArgumentException("a race needs a path: " + attempts);
    }
  }

  /** Starts {@code dial} after {@code delayMillis}, unless the race is over by then or the peer connected. */
  void start(long delayMillis, Supplier<CompletableFuture<PeerConnection>> dial) {
    Runnable run = () -> {
      synchronized (this) {
        if (done) {
          return;
        }
      }
      Optional<PeerConnection> already = open.apply(peer);
      CompletableFuture<PeerConnection> f;
      try {
        f = already.isPresent() ? CompletableFuture.completedFuture(already.get()) : dial.get();
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete(this::finished);
    };
    if (delayMillis <= 0) {
      run.run();
      return;
    }
    try {
      ScheduledFuture<?> t = group.schedule(run, delayMillis, TimeUnit.MILLISECONDS);
      synchronized (this) {
        starts.add(t);
      }
    } catch (RejectedExecutionException e) {
      finished(null, new ConnectFailedException(ConnectFailedException.Reason.CLOSED, "transport is closed"));
    }
  }

  /** A TCP dial of this race, to close if it is still quiet when another path wins. */
  synchronized void dialling(Channel ch) {
    if (done) {
      closeIfQuiet(ch);
    } else {
      dialling.add(ch);
    }
  }

  private void finished(PeerConnection c, Throwable e) {
    boolean won;
    Throwable last;
    synchronized (this) {
      outstanding--;
      if (e != null) {
        lastError = e;
      }
      if (done || (e != null && outstanding > 0)) {
        return;
      }
      done = true;
      won = e == null;
      last = lastError;
    }
    stop();
    ended.accept(won ? c : null, won ? null : last);
  }

  /** Cancels what has not started and closes dials that heard nothing yet; the race is over. */
  void stop() {
    List<ScheduledFuture<?>> s;
    List<Channel> d;
    synchronized (this) {
      done = true;
      s = new ArrayList<>(starts);
      d = new ArrayList<>(dialling);
      starts.clear();
      dialling.clear();
    }
    s.forEach(t -> t.cancel(false));
    d.forEach(DialRace::closeIfQuiet);
  }

  /** Closes a dial whose handshake has not heard from the other end. */
  private static void closeIfQuiet(Channel ch) {
    try {
      ch.eventLoop().execute(() -> {
        ChannelHandler h = ch.pipeline().get("shs");
        if (h instanceof ShsHandler shs && !shs.heardFromPeer()) {
          ch.close();
        }
      });
    } catch (RejectedExecutionException e) {
      // Shutting down: the channel goes with the event loop.
    }
  }
}
