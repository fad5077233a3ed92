package org.kith.node.reach;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.kith.node.reach.RoomMessage.Type;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;

/** A member's connections to a room: the control connection and the one-message connections of tunnels. */
final class RoomClient {
  private RoomClient() {}

  /** A room answered with ERROR, or the connection ended before its answer. */
  static final class RoomRefusedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient RoomMessage.Code code;

    RoomRefusedException(RoomMessage.Code code, String message) {
      super(message);
      this.code = code;
    }

    /** The room's error code, or null when the connection failed or closed without one. */
    RoomMessage.Code code() {
      return code;
    }
  }

  /** Dials the room at {@code addr} that must hold {@code room}'s key; {@code listener} hears the rest. */
  static Channel dial(EventLoopGroup group, InetSocketAddress addr, PublicId room, KeyPair me, long timeoutMillis,
      RoomChannel.Listener listener) {
    return dial(group, addr, null, room, me, timeoutMillis, listener);
  }

  /**
   * As above, from {@code local} when not null: bound with {@code SO_REUSEADDR} and {@code SO_REUSEPORT} beside
   * the node's listener (spec 12.4). When that bind fails (the platform lacks {@code SO_REUSEPORT}, or the
   * four-tuple is taken), dials again from an ephemeral port.
   */
  static Channel dial(EventLoopGroup group, InetSocketAddress addr, InetSocketAddress local, PublicId room,
      KeyPair me, long timeoutMillis, RoomChannel.Listener listener) {
    if (local == null || !org.kith.node.net.Transport.REUSE_PORT_SUPPORTED) {
      return dial0(group, addr, null, room, me, timeoutMillis, listener);
    }
    RoomChannel.Listener fallback = new RoomChannel.Listener() {
      @Override
      public void ready(RoomChannel ch, PublicId remote) {
        listener.ready(ch, remote);
      }

      @Override
      public void message(RoomChannel ch, RoomMessage m) {
        listener.message(ch, m);
      }

      @Override
      public void closed(RoomChannel ch, Throwable cause) {
        // Netty wraps the BindException (EADDRINUSE, EADDRNOTAVAIL: the four-tuple is in TIME_WAIT) of a connect.
        if (ch == null && (cause instanceof java.net.BindException
            || (cause != null && cause.getCause() instanceof java.net.BindException))) {
          dial0(group, addr, null, room, me, timeoutMillis, listener);
        } else {
          listener.closed(ch, cause);
        }
      }
    };
    return dial0(group, addr, local, room, me, timeoutMillis, fallback);
  }

  private static Channel dial0(EventLoopGroup group, InetSocketAddress addr, InetSocketAddress local, PublicId room,
      KeyPair me, long timeoutMillis, RoomChannel.Listener listener) {
    SecretHandshake shs = SecretHandshake.client(NetworkKey.KITH_V1, me, room.key());
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeoutMillis)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("room", new RoomChannel(shs, listener, timeoutMillis, true));
          }
        });
    if (local != null) {
      org.kith.node.net.Transport.reusePort(b);
    }
    return (local == null ? b.connect(addr) : b.connect(addr, local))
        .addListener(f -> {
          if (!f.isSuccess()) {
            listener.closed(null, f.cause());
          }
        })
        .channel();
  }

  /**
   * Sends {@code first} once the handshake is done and completes with the room's answer. A SPLICED answer goes to
   * {@code onSpliced} on the event loop, before any byte after it is read, and completes the future with it.
   */
  static CompletableFuture<RoomMessage> ask(EventLoopGroup group, InetSocketAddress addr, PublicId room, KeyPair me,
      long timeoutMillis, RoomMessage first, java.util.function.BiConsumer<RoomChannel, PublicId> onSpliced) {
    CompletableFuture<RoomMessage> result = new CompletableFuture<>();
    dial(group, addr, room, me, timeoutMillis, new RoomChannel.Listener() {
      @Override
      public void ready(RoomChannel ch, PublicId remote) {
        ch.send(first);
      }

      @Override
      public void message(RoomChannel ch, RoomMessage m) {
        if (m.type() == Type.SPLICED && onSpliced != null) {
          onSpliced.accept(ch, m.key());
          result.complete(m);
        } else if (m.type() == Type.ERROR) {
          result.completeExceptionally(new RoomRefusedException(m.code(), m.text()));
          ch.close();
        } else {
          result.complete(m);
          if (onSpliced == null) {
            ch.close();
          }
        }
      }

      @Override
      public void closed(RoomChannel ch, Throwable cause) {
        result.completeExceptionally(new RoomRefusedException(null, cause == null
            ? "the room closed the connection" : "cannot reach the room: " + describe(cause)));
      }
    });
    return result;
  }

  static String describe(Throwable cause) {
    if (cause instanceof org.kith.protocol.handshake.HandshakeException) {
      return "the handshake failed (the address does not hold this room's key)";
    }
    String m = cause.getMessage();
    return m == null ? cause.getClass().getSimpleName() : m;
  }
}
