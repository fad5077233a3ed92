package org.kith.node.net;

import java.time.Duration;
import org.kith.protocol.Limits;

/**
 * Every limit and timer of the transport, each a named value.
 *
 * <p>Connections are counted in separate budgets so that strangers never compete with paired peers or with
 * this node's own dials (spec/PROTOCOL.md 9.1): an inbound connection holds a handshake slot until its key is
 * known, then a peer slot ({@code maxConnections}) if the key is paired or known, else an unpaired slot; what
 * this node dials holds an outbound slot throughout. A source address is an IPv4 address or an IPv6 /64.
 *
 * @param maxConnections inbound connections from paired (or known) keys after the handshake. A key over it
 *     is refused during the handshake, unless it already has a connection here (a restarted peer replacing a
 *     connection that looks alive on this side)
 * @param maxInFlightPerPeer requests from one peer being handled at once; beyond it the peer gets an
 *     {@code ERROR RATE_LIMITED}. Also caps our own open requests on one connection (spec 5.3): a request
 *     beyond it fails at once with {@link ErrorFrameException} {@code RATE_LIMITED}
 * @param maxRequestsPerSecondPerPeer token-bucket refill rate for requests from one connection
 * @param maxRequestBurstPerPeer token-bucket depth
 * @param handshakeTimeout TCP connect plus Secret Handshake
 * @param idleTimeout a connection on which nothing arrived for this long is closed (checked every
 *     keepaliveInterval of silence, so the close comes at the first multiple of it at or past this)
 * @param keepaliveInterval a peer silent for this long gets a PING; its PONG keeps the connection. Never sent
 *     to an unpaired key
 * @param requestTimeout default wait for a response
 * @param reconnectMin first delay of {@link Transport#maintain}'s exponential backoff
 * @param reconnectMax the backoff's cap
 * @param maxOutbound connections this node dialled, from the TCP connect to the close; a dial beyond it fails
 *     with {@link ConnectFailedException.Reason#TOO_MANY_CONNECTIONS}. Inbound connections never use it
 * @param maxHandshakes inbound connections whose handshake is not complete yet. A connection beyond it is
 *     accepted and the oldest handshake of the source address holding the most is closed instead, so a flood
 *     of sockets that never speak ages out under newcomers
 * @param maxHandshakesPerAddress inbound handshakes in progress from one source address; beyond it the
 *     oldest from that address is closed
 * @param maxUnpairedSessions inbound connections from keys that are not paired, after the handshake. When
 *     full, the oldest such connection without a request open (from the newcomer's address if that is at its
 *     own limit, else from the address holding the most) is closed; if every one has its PAIR_REQUEST being
 *     answered, the newcomer gets {@code HELLO}, {@code ERROR RATE_LIMITED} "busy" and a close
 * @param maxUnpairedSessionsPerAddress the same from one source address
 * @param unpairedTimeout an unpaired key must send its one PAIR_REQUEST within this of the handshake's end,
 *     by the transport's clock; once it is answered the connection is closed unless the key is now paired. A
 *     node slower than requestTimeout to answer it closes the connection then
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
    Duration reconnectMax,
    int maxOutbound,
    int maxHandshakes,
    int maxHandshakesPerAddress,
    int maxUnpairedSessions,
    int maxUnpairedSessionsPerAddress,
    Duration unpairedTimeout) {

  /** Default of {@link #maxConnections()}. */
  public static final int MAX_PEER_CONNECTIONS = 64;
  /** Default of {@link #maxOutbound()}. */
  public static final int MAX_OUTBOUND = 64;
  /** Default of {@link #maxHandshakes()}. */
  public static final int MAX_HANDSHAKES = 32;
  /** Default of {@link #maxHandshakesPerAddress()}. */
  public static final int MAX_HANDSHAKES_PER_ADDRESS = 8;
  /** Default of {@link #maxUnpairedSessions()}: pairing is rare, and each unpaired session lasts seconds. */
  public static final int MAX_UNPAIRED_SESSIONS = 16;
  /** Default of {@link #maxUnpairedSessionsPerAddress()}. */
  public static final int MAX_UNPAIRED_SESSIONS_PER_ADDRESS = 4;
  /** Default of {@link #unpairedTimeout()}: one round trip and a PAIR_REQUEST, with room for a slow link. */
  public static final Duration UNPAIRED_TIMEOUT = Duration.ofSeconds(5);

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
    positive("maxOutbound", maxOutbound);
    positive("maxHandshakes", maxHandshakes);
    positive("maxHandshakesPerAddress", maxHandshakesPerAddress);
    positive("maxUnpairedSessions", maxUnpairedSessions);
    positive("maxUnpairedSessionsPerAddress", maxUnpairedSessionsPerAddress);
    positive("unpairedTimeout", unpairedTimeout);
    if (keepaliveInterval.compareTo(idleTimeout) >= 0) {
      // Otherwise a quiet but healthy peer is closed before it was ever pinged.
      throw new IllegalArgumentException(
          "keepaliveInterval " + keepaliveInterval + " >= idleTimeout " + idleTimeout);
    }
    if (reconnectMin.compareTo(reconnectMax) > 0) {
      throw new IllegalArgumentException("reconnectMin " + reconnectMin + " > reconnectMax " + reconnectMax);
    }
    if (maxHandshakesPerAddress > maxHandshakes) {
      throw new IllegalArgumentException(
          "maxHandshakesPerAddress " + maxHandshakesPerAddress + " > maxHandshakes " + maxHandshakes);
    }
    if (maxUnpairedSessionsPerAddress > maxUnpairedSessions) {
      throw new IllegalArgumentException("maxUnpairedSessionsPerAddress " + maxUnpairedSessionsPerAddress
          + " > maxUnpairedSessions " + maxUnpairedSessions);
    }
  }

  /** The protocol's limits (spec/PROTOCOL.md section 9) and timers suited to a home connection. */
  public static TransportConfig defaults() {
    return new TransportConfig(
        MAX_PEER_CONNECTIONS,
        Limits.MAX_OPEN_REQUESTS_PER_CONNECTION,
        Limits.MAX_REQUESTS_PER_SECOND_PER_PEER,
        Limits.MAX_REQUEST_BURST_PER_PEER,
        Duration.ofSeconds(10),
        Duration.ofSeconds(90),
        Duration.ofSeconds(30),
        Duration.ofSeconds(15),
        Duration.ofSeconds(1),
        Duration.ofMinutes(2),
        MAX_OUTBOUND,
        MAX_HANDSHAKES,
        MAX_HANDSHAKES_PER_ADDRESS,
        MAX_UNPAIRED_SESSIONS,
        MAX_UNPAIRED_SESSIONS_PER_ADDRESS,
        UNPAIRED_TIMEOUT);
  }

  /** {@link #maxConnections()}: inbound connections of paired (or known) keys. */
  public TransportConfig withMaxConnections(int n) {
    return new TransportConfig(n, maxInFlightPerPeer, maxRequestsPerSecondPerPeer, maxRequestBurstPerPeer,
        handshakeTimeout, idleTimeout, keepaliveInterval, requestTimeout, reconnectMin, reconnectMax,
        maxOutbound, maxHandshakes, maxHandshakesPerAddress, maxUnpairedSessions, maxUnpairedSessionsPerAddress,
        unpairedTimeout);
  }

  public TransportConfig withMaxOutbound(int n) {
    return new TransportConfig(maxConnections, maxInFlightPerPeer, maxRequestsPerSecondPerPeer,
        maxRequestBurstPerPeer, handshakeTimeout, idleTimeout, keepaliveInterval, requestTimeout, reconnectMin,
        reconnectMax, n, maxHandshakes, maxHandshakesPerAddress, maxUnpairedSessions,
        maxUnpairedSessionsPerAddress, unpairedTimeout);
  }

  /** The budgets of connections whose key is not known yet or not paired, and the unpaired key's deadline. */
  public TransportConfig withStrangerLimits(int handshakes, int handshakesPerAddress, int unpaired,
      int unpairedPerAddress, Duration unpairedDeadline) {
    return new TransportConfig(maxConnections, maxInFlightPerPeer, maxRequestsPerSecondPerPeer,
        maxRequestBurstPerPeer, handshakeTimeout, idleTimeout, keepaliveInterval, requestTimeout, reconnectMin,
        reconnectMax, maxOutbound, handshakes, handshakesPerAddress, unpaired, unpairedPerAddress,
        unpairedDeadline);
  }

  public TransportConfig withRequestLimits(int inFlight, int perSecond, int burst) {
    return new TransportConfig(maxConnections, inFlight, perSecond, burst,
        handshakeTimeout, idleTimeout, keepaliveInterval, requestTimeout, reconnectMin, reconnectMax,
        maxOutbound, maxHandshakes, maxHandshakesPerAddress, maxUnpairedSessions, maxUnpairedSessionsPerAddress,
        unpairedTimeout);
  }

  public TransportConfig withTimers(Duration handshake, Duration idle, Duration keepalive, Duration request) {
    return new TransportConfig(maxConnections, maxInFlightPerPeer, maxRequestsPerSecondPerPeer,
        maxRequestBurstPerPeer, handshake, idle, keepalive, request, reconnectMin, reconnectMax,
        maxOutbound, maxHandshakes, maxHandshakesPerAddress, maxUnpairedSessions, maxUnpairedSessionsPerAddress,
        unpairedTimeout);
  }

  public TransportConfig withReconnect(Duration min, Duration max) {
    return new TransportConfig(maxConnections, maxInFlightPerPeer, maxRequestsPerSecondPerPeer,
        maxRequestBurstPerPeer, handshakeTimeout, idleTimeout, keepaliveInterval, requestTimeout, min, max,
        maxOutbound, maxHandshakes, maxHandshakesPerAddress, maxUnpairedSessions, maxUnpairedSessionsPerAddress,
        unpairedTimeout);
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
