package org.kith.node.net;

import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.FrameType;

/**
 * The node's policy for who may connect and what they may send. Every method runs on the network event loop:
 * they must answer from memory, without blocking.
 */
public interface Admission {
  /**
   * Called by the server side of the handshake as soon as the client's key is proven, before the last
   * handshake message is sent. False refuses the key: the client never completes the handshake (a blocked
   * key). The client cannot tell a refusal from having dialled the wrong key; that is how SHS is built.
   */
  boolean admitHandshake(PublicId client);

  /**
   * Whether {@code peer} may send a request or unsolicited frame of {@code type}; false answers
   * {@code ERROR NOT_PAIRED} (requests) or drops the frame (unsolicited). Not asked for the transport's own
   * frames: HELLO, PING, PONG, ERROR and responses.
   */
  boolean allow(PublicId peer, FrameType type);

  /**
   * Whether {@code key} is one of this node's peers (paired, or known, such as a peer still to be told of an
   * unpair). Asked once an inbound handshake proved the key, and again after an unpaired key's PAIR_REQUEST
   * was answered. A peer's connection counts against {@link TransportConfig#maxConnections()} and is kept
   * alive; any other key's falls under the unpaired rules (spec/PROTOCOL.md 9.1): one PAIR_REQUEST within
   * {@link TransportConfig#unpairedTimeout()}, no keepalive, closed after the answer. The default, for
   * policies that do not tell peers from strangers (tests and benchmarks), treats every admitted key as a
   * peer, which is how the transport behaved before it made the difference.
   */
  default boolean isPeer(PublicId key) {
    return true;
  }

  /** Admits every key and every frame: for tests and benchmarks. */
  static Admission everyone() {
    return new Admission() {
      @Override
      public boolean admitHandshake(PublicId client) {
        return true;
      }

      @Override
      public boolean allow(PublicId peer, FrameType type) {
        return true;
      }
    };
  }
}
