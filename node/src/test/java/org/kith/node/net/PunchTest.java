package org.kith.node.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;
import org.kith.protocol.proto.FrameType;

/**
 * The dials of the upgrade to direct (spec 12.4) on loopback: both transports dial each other from their listen
 * ports at once; whichever SYN makes the TCP connection (a simultaneous open, or one side's listener accepting
 * the other's), one connection results and each side runs the role fixed for the upgrade.
 */
class PunchTest {
  @Test
  void listenerAndDialShareThePort() throws Exception {
    Assumptions.assumeTrue(Transport.REUSE_PORT_SUPPORTED, "SO_REUSEPORT");
    try (TestNode a = new TestNode().listen(); TestNode b = new TestNode().listen()) {
      PeerConnection c = AdmissionTest.await(a.transport.punch(b.address, b.id(), true));
      assertTrue(c.punched());
      assertFalse(c.inbound(), "A is the SHS client");
      MiniCluster.await("b has the connection", () -> b.transport.connection(a.id()).isPresent());
      PeerConnection atB = b.transport.connection(a.id()).orElseThrow();
      assertEquals(a.address.getPort(), atB.remoteAddress().getPort(), "A dialled from its listen port");
      assertTrue(atB.inbound());
    }
  }

  @Test
  void simultaneousDials_fromTheListenPorts_giveOneConnection_withTheRolesOfTheUpgrade() throws Exception {
    Assumptions.assumeTrue(Transport.REUSE_PORT_SUPPORTED, "SO_REUSEPORT");
    for (int round = 0; round < 5; round++) {
      try (TestNode a = new TestNode().listen(); TestNode b = new TestNode().listen()) {
        long until = Long.MAX_VALUE;
        a.transport.expectPunch(List.of(b.address), b.id(), true, until);
        b.transport.expectPunch(List.of(a.address), a.id(), false, until);
        CompletableFuture<PeerConnection> fromA = a.transport.punch(b.address, b.id(), true);
        CompletableFuture<PeerConnection> fromB = b.transport.punch(a.address, a.id(), false);
        // One of the two dials may fail (its four-tuple is the other's connection): the connection is what counts.
        fromA.handle((c, e) -> null).join();
        fromB.handle((c, e) -> null).join();
        MiniCluster.await("both ends connected",
            () -> a.transport.connection(b.id()).isPresent() && b.transport.connection(a.id()).isPresent());
        PeerConnection atA = a.transport.connection(b.id()).orElseThrow();
        PeerConnection atB = b.transport.connection(a.id()).orElseThrow();
        assertFalse(atA.inbound(), "A runs the SHS client whichever socket carries it");
        assertTrue(atB.inbound(), "B runs the SHS server whichever socket carries it");
        assertTrue(atA.punched() && atB.punched());
        assertEquals(FrameType.PONG,
            AdmissionTest.await(atA.request(FrameType.PING, Empty.getDefaultInstance())).getHeader().getType());
        assertEquals(FrameType.PONG,
            AdmissionTest.await(atB.request(FrameType.PING, Empty.getDefaultInstance())).getHeader().getType());
        assertEquals(1, a.transport.connections().size());
        assertEquals(1, b.transport.connections().size());
      }
    }
  }

  @Test
  void aPunchToAClosedPort_failsAndLeavesNothingBehind() throws Exception {
    Assumptions.assumeTrue(Transport.REUSE_PORT_SUPPORTED, "SO_REUSEPORT");
    try (TestNode a = new TestNode().listen(); TestNode b = new TestNode()) {
      java.net.InetSocketAddress dead;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        dead = (java.net.InetSocketAddress) s.getLocalSocketAddress();
      }
      java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
          java.util.concurrent.ExecutionException.class, () -> a.transport.punch(dead, b.id(), true).get());
      org.junit.jupiter.api.Assertions.assertInstanceOf(ConnectFailedException.class, e.getCause());
      MiniCluster.await("the dial's slot is free again", () -> a.transport.counts().outbound() == 0);
      assertTrue(a.transport.connections().isEmpty());
    }
  }
}
