package org.kith.node.reach;

import java.time.Duration;

/**
 * What a room allows (spec/PROTOCOL.md 12.2.5). Generous on purpose: a room carries whole syncs, so there is no
 * cap on a tunnel's bytes or lifetime (libp2p's relay defaults of 128 KiB and 2 minutes break real transfers);
 * a member's relayed bytes are paced, not cut, past {@link #bytesPerSecondPerMember}.
 *
 * @param maxConnections connections the room holds at once, handshaking, control and tunnel ends together
 * @param maxConnectionsPerAddress of those, from one source address (members behind one NAT share one)
 * @param maxTunnelsPerMember tunnels (open or being set up) a member is an end of
 * @param bytesPerSecondPerMember bytes a member sends into all its tunnels per second, on average
 * @param burstBytesPerMember bytes a member may send at once before pacing starts
 * @param handshakeTimeout time to complete the handshake and send the first message
 * @param acceptTimeout time a called member has to accept a tunnel
 * @param idleTimeout a control connection silent this long is closed (members ping every third of it)
 */
public record RoomLimits(int maxConnections, int maxConnectionsPerAddress, int maxTunnelsPerMember,
    long bytesPerSecondPerMember, long burstBytesPerMember, Duration handshakeTimeout, Duration acceptTimeout,
    Duration idleTimeout) {
  public RoomLimits {
    if (maxConnections < 1 || maxConnectionsPerAddress < 1 || maxTunnelsPerMember < 1
        || bytesPerSecondPerMember < 1 || burstBytesPerMember < 1) {
      throw new IllegalArgumentException("room limits must be positive");
    }
  }

  public static RoomLimits defaults() {
    return new RoomLimits(4096, 256, 32, 16L << 20, 4L << 20, Duration.ofSeconds(10), Duration.ofSeconds(10),
        Duration.ofSeconds(90));
  }

  public RoomLimits withConnectionsPerAddress(int n) {
    return new RoomLimits(maxConnections, n, maxTunnelsPerMember, bytesPerSecondPerMember, burstBytesPerMember,
        handshakeTimeout, acceptTimeout, idleTimeout);
  }

  public RoomLimits withTunnelsPerMember(int n) {
    return new RoomLimits(maxConnections, maxConnectionsPerAddress, n, bytesPerSecondPerMember, burstBytesPerMember,
        handshakeTimeout, acceptTimeout, idleTimeout);
  }
}
