package org.kith.node.net;

import java.util.concurrent.CompletableFuture;
import org.kith.protocol.proto.Frame;

/**
 * The node's side of the transport. Every method is called on the network event loop and must not block:
 * {@link #handle} starts slow work (vault, model) on the node's own executor and returns its future.
 */
public interface RequestHandler {
  /**
   * A request (PAIR_REQUEST, QUERY or SYNC_REQUEST) that passed the rate limits and {@link Admission#allow}.
   * The future's value goes back as the response frame with the request's id. Failing it with an
   * {@link ErrorFrameException} sends that code and message (and then closes the connection for
   * {@code INVITE_INVALID} and {@code UNSUPPORTED}, spec 8.1); with an {@link org.kith.protocol.frame.
   * FrameException} (a payload that does not parse) its wire code; anything else sends {@code INTERNAL}.
   */
  CompletableFuture<Response> handle(PeerConnection from, Frame request);

  /** An unsolicited frame (UNPAIR, or any other with request id 0 the transport does not consume). */
  default void onMessage(PeerConnection from, Frame message) {}

  /** The connection became the current one to its peer. */
  default void onConnected(PeerConnection connection) {}

  /** A connection announced by {@link #onConnected} closed (or was replaced by a newer one). */
  default void onClosed(PeerConnection connection) {}
}
