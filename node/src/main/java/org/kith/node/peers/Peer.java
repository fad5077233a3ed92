package org.kith.node.peers;

import java.util.List;
import org.kith.protocol.identity.PublicId;

/**
 * A key this node has paired with, as only this node sees it: the petname and circle are the owner's private
 * choice. {@code addresses} are where to reach it ("host:port"); {@code blocked} keys are refused at the
 * handshake; {@code unpairPending} means the owner unpaired and the peer has not been told yet.
 * {@code addressSeq} is the seq of the peer's address record its {@code addresses} came from (spec/PROTOCOL.md
 * 12.3), 0 while they came from an invite or a pairing. Addresses are {@code HOST:PORT} (as invites carry
 * them), {@code tcp:HOST:PORT} or {@code room:ROOM_ID@HOST:PORT} (as address records carry them).
 */
public record Peer(PublicId id, String petname, String circle, List<String> addresses, long pairedAtMillis,
    long lastSeenMillis, boolean blocked, boolean unpairPending, long addressSeq) {
  public static final String DEFAULT_CIRCLE = "friends";
  public static final int MAX_NAME_CHARS = 64;

  public Peer {
    addresses = List.copyOf(addresses);
  }

  /** A peer whose addresses came from no address record. */
  public Peer(PublicId id, String petname, String circle, List<String> addresses, long pairedAtMillis,
      long lastSeenMillis, boolean blocked, boolean unpairPending) {
    this(id, petname, circle, addresses, pairedAtMillis, lastSeenMillis, blocked, unpairPending, 0);
  }

  public boolean paired() {
    return !blocked && !unpairPending;
  }

  public Peer withPetname(String n) {
    return new Peer(id, n, circle, addresses, pairedAtMillis, lastSeenMillis, blocked, unpairPending, addressSeq);
  }

  public Peer withCircle(String c) {
    return new Peer(id, petname, c, addresses, pairedAtMillis, lastSeenMillis, blocked, unpairPending, addressSeq);
  }

  public Peer withLastSeen(long t) {
    return new Peer(id, petname, circle, addresses, pairedAtMillis, t, blocked, unpairPending, addressSeq);
  }

  public Peer withAddresses(List<String> a) {
    return new Peer(id, petname, circle, a, pairedAtMillis, lastSeenMillis, blocked, unpairPending, addressSeq);
  }

  /** The addresses of the peer's address record {@code seq}. */
  public Peer withAddressRecord(List<String> a, long seq) {
    return new Peer(id, petname, circle, a, pairedAtMillis, lastSeenMillis, blocked, unpairPending, seq);
  }

  public Peer asBlocked() {
    return new Peer(id, petname, circle, addresses, pairedAtMillis, lastSeenMillis, true, false, addressSeq);
  }

  public Peer asUnpairPending() {
    return new Peer(id, petname, circle, addresses, pairedAtMillis, lastSeenMillis, false, true, addressSeq);
  }
}
