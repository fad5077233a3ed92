package org.kith.node;

import java.time.Duration;
import java.util.List;
import org.kith.node.pairing.Peer;
import org.kith.protocol.identity.InviteCode;
import org.kith.protocol.identity.PublicId;

/** What the node's services need from the network: a seam, so pairing logic can be tested on its own. */
public interface PeerNetwork extends AutoCloseable {
  /** "host:port" strings to put in invites, most reachable first. */
  List<String> advertisedAddresses();

  /** The address the node listens on, or null when it does not listen. */
  String listenAddress();

  boolean isConnected(PublicId peer);

  /** Connects to the inviter, proves the invite, and returns the inviter's suggested name and our circle. */
  PairResult pair(InviteCode code, String myName, Duration timeout) throws KithException;

  /** The inviter's answer to a pairing. */
  record PairResult(String inviterName, String circle, String address) {}

  /** Tells a peer it was unpaired, if it is reachable now; false if it was not. */
  boolean tellUnpaired(PublicId peer);

  /** Keep a connection to this peer up. */
  void maintain(Peer peer);

  /** Stop connecting to this peer and drop any connection. */
  void forget(PublicId peer);

  /** Paired peers with an open connection now. */
  default List<PublicId> connectedPeers() {
    return List.of();
  }

  /** Sends a query to a connected peer; fails when it is not connected or does not answer in time. */
  default java.util.concurrent.CompletableFuture<org.kith.protocol.proto.Answer> query(PublicId peer,
      org.kith.protocol.proto.Query q, Duration timeout) {
    return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("no network"));
  }

  /** Tells connected peers in {@code circle} that we signed something for them, so they pull it now. */
  default void announce(String circle) {}

  @Override
  void close();
}
