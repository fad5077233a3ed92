package org.kith.node.reach;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.kith.node.reach.RoomMessage.DialResult;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The room's side of the dial-back check (spec/PROTOCOL.md 12.5): on a member's DIALBACK it dials the member's
 * observed source address (the control connection's remote IP, never one the member names, so that a room cannot
 * be used to make connections to third parties) at the asked port, runs Secret Handshake as client with the
 * member's key as the server key, closes at once and answers DIALED. Confined to the room's event loop.
 */
final class DialBacks {
  private static final Logger LOG = LoggerFactory.getLogger(DialBacks.class);
  /** A member may ask once per this. */
  static final Duration EVERY = Duration.ofMinutes(1);
  /** A dial-back that has not completed its handshake within this fails with NO_ANSWER. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  /** Dial-backs in flight at once, for the whole room. */
  static final int MAX_IN_FLIGHT = 4;

  private final EventLoopGroup group;
  private final KeyPair keys;
  private final Clock clock;
  private final ChannelGroup channels;
  // Event loop only, below.
  private final Map<PublicId, Long> lastMillis = new HashMap<>();
  private int inFlight;

  DialBacks(EventLoopGroup group, KeyPair keys, Clock clock, ChannelGroup channels) {
    this.group = group;
    this.keys = keys;
    this.clock = clock;
    this.channels = channels;
  }

  /** Handles {@code member}'s DIALBACK to {@code port}, asked on the control connection {@code control}. */
  void handle(RoomChannel control, PublicId member, int port) {
    InetSocketAddress observed = (InetSocketAddress) control.channel().remoteAddress();
    InetSocketAddress target = new InetSocketAddress(observed.getAddress(), port);
    long now = clock.millis();
    Long last = lastMillis.get(member);
    if ((last != null && now - last < EVERY.toMillis()) || inFlight >= MAX_IN_FLIGHT) {
      control.send(RoomMessage.dialed(DialResult.LIMIT, target));
      return;
    }
    lastMillis.put(member, now);
    if (lastMillis.size() > RoomHome.MAX_MEMBERS) {
      lastMillis.values().removeIf(t -> now - t >= EVERY.toMillis());
    }
    inFlight++;
    boolean[] answered = {false};
    java.util.function.Consumer<DialResult> answer = r -> {
      if (!answered[0]) {
        answered[0] = true;
        inFlight--;
        LOG.debug("dial-back to {}: {}", member.shortText(), r);
        if (control.channel().isActive()) {
          control.send(RoomMessage.dialed(r, target));
        }
      }
    };
    Channel ch = RoomClient.dial(group, target, member, keys, TIMEOUT.toMillis(), new RoomChannel.Listener() {
      @Override
      public void ready(RoomChannel c, PublicId remote) {
        // The handshake proved the member's key at that address: that is all we wanted.
        answer.accept(DialResult.REACHED);
        c.close();
      }

      @Override
      public void message(RoomChannel c, RoomMessage m) {
        // Never expected (we closed at once): nothing the member sends here means anything.
      }

      @Override
      public void closed(RoomChannel c, Throwable cause) {
        // c is null when the connection never opened; otherwise something answered and did not prove the key.
        answer.accept(c == null ? DialResult.NO_ANSWER : DialResult.WRONG_KEY);
      }
    });
    channels.add(ch);
    ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
      answer.accept(DialResult.NO_ANSWER);
      ch.close();
    }, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    // Every way a dial ends reaches the listener (a failed connect with no channel, a close, a handshake); the
    // timer answers for one that hangs.
    ch.closeFuture().addListener(f -> timer.cancel(false));
  }
}
