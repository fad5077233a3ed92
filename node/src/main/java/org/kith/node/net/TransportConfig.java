package org.kith.node.net;

import java.time.Duration;
import org.kith.protocol.Limits;

/**
 * Every limit and timer of the transport, each a named value.
 *
 * @param maxConnections connections open at once, in both directions and including those still in the
 *     handshake; an inbound connection beyond it is closed at accept, an outbound one fails with
 *     {@link ConnectFailedException.Reason#TOO_MANY_CONNECTIONS}
 * @param maxInFlightPerPeer requests from one peer being handled at once; beyond it the peer gets an
 *     {@code ERROR RATE_LIMITED}. Also caps our own open requests on one connection (spec 5.3): a request
 *     beyond it fails at once with {@link ErrorFrameException} {@code RATE_LIMITED}
 * @param maxRequestsPerSecondPerPeer token-bucket refill rate for requests from one connection
 * @param maxRequestBurstPerPeer token-bucket depth
 * @param handshakeTimeout TCP connect plus Secret Handshake
 * @param idleTimeout a connection on which nothing arrived for this long is closed (checked every
 *     keepaliveInterval of silence, so the close comes at the first multiple of it at or past this)
 * @param keepaliveInterval a peer silent for this long gets a PING; its PONG keeps the connection
 * @param requestTimeout default wait for a response
 * @param reconnectMin first delay of {@link Transport#maintain}'s exponential backoff
 * @param reconnectMax the backoff's cap
 */
public record TransportConfig(
    int maxConnections,
    int maxInFlightPerPeer,
    int maxRequestsPerSecondPerPeer,
    int maxRequestBurstPerPeer,
    Duration handshakeTimeout,
    Duration idleTimeout,
    Duration keepaliveInterval,
    Duration requestTimeout,
    Duration reconnectMin,
    Duration reconnectMax) {

  public TransportConfig {
    positive("maxConnections", maxConnections);
    positive("maxInFlightPerPeer", maxInFlightPerPeer);
    positive("maxRequestsPerSecondPerPeer", maxRequestsPerSecondPerPeer);
    positive("maxRequestBurstPerPeer", maxRequestBurstPerPeer);
    positive("handshakeTimeout", handshakeTimeout);
    positive("idleTimeout", idleTimeout);
    positive("keepaliveInterval", keepaliveInterval);
    positive("requestTimeout", requestTimeout);
    positive("reconnectMin", reconnectMin);
    positive("reconnectMax", reconnectMax);
    if (keepaliveInterval.compareTo(idleTimeout) >= 0) {
      // Otherwise a quiet but healthy peer is closed before it was ever pinged.
      throw new IllegalArgumentException(
          "keepaliveInterval " + keepaliveInterval + " >= idleTimeout " + idleTimeout);
    }
    if (reconnectMin.compareTo(reconnectMax) > 0) {
      throw new IllegalArgumentException("reconnectMin " + reconnectMin + " > reconnectMax " + reconnectMax);
    }
  }

  /** The protocol's limits (spec/PROTOCOL.md section 9) and timers suited to a home connection. */
  public static TransportConfig defaults() {
    return new TransportConfig(
        64,
        Limits.MAX_OPEN_REQUESTS_PER_CONNECTION,
        Limits.MAX_REQUESTS_PER_SECOND_PER_PEER,
        Limits.MAX_REQUEST_BURST_PER_PEER,
        Duration.ofSeconds(10),
        Duration.ofSeconds(90),
        Duration.ofSeconds(30),
        Duration.ofSeconds(15),
        Duration.ofSeconds(1),
        Duration.ofMinutes(2));
  }

  public TransportConfig withMaxConnections(int n) {
    return new TransportConfig(n, maxInFlightPerPeer, maxRequestsPerSecondPerPeer, maxRequestBurstPerPeer,
        handshakeTimeout, idleTimeout, keepaliveInterval, requestTimeout, reconnectMin, reconnectMax);
  }

  public TransportConfig withRequestLimits(int inFlight, int perSecond, int burst) {
    return new TransportConfig(maxConnections, inFlight, perSecond, burst,
        handshakeTimeout, idleTimeout, keepaliveInterval, requestTimeout, reconnectMin, reconnectMax);
  }

  public TransportConfig withTimers(Duration handshake, Duration idle, Duration keepalive, Duration request) {
    return new TransportConfig(maxConnections, maxInFlightPerPeer, maxRequestsPerSecondPerPeer,
        maxRequestBurstPerPeer, handshake, idle, keepalive, request, reconnectMin, reconnectMax);
  }

  public TransportConfig withReconnect(Duration min, Duration max) {
    return new TransportConfig(maxConnections, maxInFlightPerPeer, maxRequestsPerSecondPerPeer,
        maxRequestBurstPerPeer, handshakeTimeout, idleTimeout, keepaliveInterval, requestTimeout, min, max);
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " <= 0: " + value);
    }
  }

  private static void positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " not positive: " + value);
    }
  }
}
