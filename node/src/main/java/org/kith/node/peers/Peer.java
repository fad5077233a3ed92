package org.kith.node.peers;

import java.util.List;
import org.kith.protocol.identity.PublicId;

/**
 * A key this node has paired with, as only this node sees it: the petname and circle are the owner's private
 * choice. {@code addresses} are where to reach it ("host:port"); {@code blocked} keys are refused at the
 * handshake; {@code unpairPending} means the owner unpaired and the peer has not been told yet.
 */
public record Peer(PublicId id, String petname, String circle, List<String> addresses, long pairedAtMillis,
    long lastSeenMillis, boolean blocked, boolean unpairPending) {
  public static final String DEFAULT_CIRCLE = "friends";
  public static final int MAX_NAME_CHARS = 64;

  public Peer {
    addresses = List.copyOf(addresses);
  }

  public boolean paired() {
    return !blocked && !unpairPending;
  }

  public Peer withPetname(String n) {
    return new Peer(id, n, circle, addresses, pairedAtMillis, lastSeenMillis, blocked, unpairPending);
  }

  public Peer withCircle(String c) {
    return new Peer(id, petname, c, addresses, pairedAtMillis, lastSeenMillis, blocked, unpairPending);
  }

  public Peer withLastSeen(long t) {
    return new Peer(id, petname, circle, addresses, pairedAtMillis, t, blocked, unpairPending);
  }

  public Peer withAddresses(List<String> a) {
    return new Peer(id, petname, circle, a, pairedAtMillis, lastSeenMillis, blocked, unpairPending);
  }

  public Peer asBlocked() {
    return new Peer(id, petname, circle, addresses, pairedAtMillis, lastSeenMillis, true, false);
  }

  public Peer asUnpairPending() {
    return new Peer(id, petname, circle, addresses, pairedAtMillis, lastSeenMillis, false, true);
  }
}
