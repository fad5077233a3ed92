package org.kith.node.net;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.kith.protocol.identity.PublicId;

/**
 * What features see of the network: connections to peers by key, dialling, and keeping peers connected.
 * {@link Transport} is the implementation; listening and closing belong to the composition root alone.
 */
public interface PeerRpc {
  /** The open connection to {@code peer}, if any. */
  Optional<PeerConnection> connection(PublicId peer);

  /** The current connection of every connected key (paired or not: callers filter). */
  Collection<PeerConnection> connections();

  /** Dials {@code addr} and completes the handshake only if the server holds {@code expectedServer}'s key. */
  CompletableFuture<PeerConnection> connect(InetSocketAddress addr, PublicId expectedServer);

  /**
   * Dials {@code peer} over every path at once, TCP addresses a little apart and tunnels after them; completes with
   * the first connection (spec/PROTOCOL.md 9.1).
   */
  CompletableFuture<PeerConnection> race(PublicId peer, List<InetSocketAddress> addrs,
      List<java.util.function.Supplier<CompletableFuture<PeerConnection>>> tunnels);

  /** Keeps an outbound connection to {@code peer} up, with backoff. */
  void maintain(PublicId peer, List<InetSocketAddress> addrs);

  /** Stops keeping {@code peer} connected (an open connection stays until closed). */
  void forget(PublicId peer);

  default boolean isConnected(PublicId peer) {
    return connection(peer).isPresent();
  }
}
