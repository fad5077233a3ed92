package org.kith.node.peers;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.kith.node.net.PeerConnection;
import org.kith.protocol.identity.PublicId;

/**
 * Dials a peer at an address that is not {@code HOST:PORT}, such as a room's {@code room:ID@HOST:PORT}
 * (org.kith.node.reach). Empty when it does not know the address's kind.
 */
@FunctionalInterface
public interface AddressDialer {
  AddressDialer NONE = (address, peer) -> Optional.empty();

  Optional<CompletableFuture<PeerConnection>> dial(String address, PublicId peer);
}
