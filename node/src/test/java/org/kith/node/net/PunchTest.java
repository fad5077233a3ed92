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

  /**
   * A connection "through a room" made by hand: a plain loopback TCP connection whose two ends are handed to the
   * transports with {@link Transport#adopt}, as a room's tunnel ends are.
   */
  private static PeerConnection relayed(TestNode a, TestNode b, io.netty.channel.EventLoopGroup group)
      throws Exception {
    CompletableFuture<PeerConnection> atA = new CompletableFuture<>();
    io.netty.channel.Channel server = new io.netty.bootstrap.ServerBootstrap().group(group)
        .channel(io.netty.channel.socket.nio.NioServerSocketChannel.class)
        .childHandler(new io.netty.channel.ChannelInboundHandlerAdapter() {
          @Override
          public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
            ctx.pipeline().remove(this);
            b.transport.adopt(ctx.channel(), true, null, "room Test");
          }
        }).bind("127.0.0.1", 0).sync().channel();
    new io.netty.bootstrap.Bootstrap().group(group).channel(io.netty.channel.socket.nio.NioSocketChannel.class)
        .handler(new io.netty.channel.ChannelInboundHandlerAdapter() {
          @Override
          public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
            ctx.pipeline().remove(this);
            a.transport.adopt(ctx.channel(), false, b.id(), "room Test").whenComplete((c, e) -> {
              if (e != null) {
                atA.completeExceptionally(e);
              } else {
                atA.complete(c);
              }
            });
          }
        }).connect(server.localAddress()).sync();
    PeerConnection c = AdmissionTest.await(atA);
    server.close();
    return c;
  }

  @Test
  void aDirectConnection_replacesTheRelayedOne_whichAnswersWhatIsInFlightFirst_andARelayedOneNeverReplacesIt()
      throws Exception {
    Assumptions.assumeTrue(Transport.REUSE_PORT_SUPPORTED, "SO_REUSEPORT");
    io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
        io.netty.channel.nio.NioIoHandler.newFactory());
    try (TestNode a = new TestNode().listen(); TestNode b = new TestNode().listen()) {
      PeerConnection viaRoom = relayed(a, b, group);
      assertEquals("room Test", viaRoom.via().orElseThrow());
      CompletableFuture<org.kith.node.net.Response> slow = new CompletableFuture<>();
      b.behaviour = r -> slow;
      CompletableFuture<org.kith.protocol.proto.Frame> inFlight = viaRoom.request(FrameType.QUERY,
          org.kith.protocol.proto.Query.newBuilder().setQueryId(com.google.protobuf.ByteString.copyFrom(new byte[16]))
              .setText("q").setHops(1).setK(1).setDeadlineUnixMs(Long.MAX_VALUE >>> 2).build());
      MiniCluster.await("b is answering", () -> b.handled.get() == 1);

      PeerConnection direct = AdmissionTest.await(a.transport.punch(b.address, b.id(), true));
      assertTrue(direct.via().isEmpty());
      assertEquals(direct, a.transport.connection(b.id()).orElseThrow(), "the direct connection took the place");
      MiniCluster.await("b moved too", () -> b.transport.connection(a.id()).map(c -> c.via().isEmpty()).orElse(false));
      assertFalse(viaRoom.isOpen(), "the relayed connection takes no new requests");
      assertFalse(inFlight.isDone());
      slow.complete(new org.kith.node.net.Response(FrameType.ANSWER, org.kith.protocol.proto.Answer.newBuilder()
          .setQueryId(com.google.protobuf.ByteString.copyFrom(new byte[16])).build()));
      assertEquals(FrameType.ANSWER, AdmissionTest.await(inFlight).getHeader().getType(),
          "answered on the relayed connection before it closed");
      MiniCluster.await("the relayed connection closed", () -> a.closed.contains(viaRoom));

      // A new connection through a room while the direct one is open loses: its dial completes with the winner.
      int closedBefore = b.closed.size();
      PeerConnection again = relayed(a, b, group);
      assertEquals(direct, again, "the direct connection stays");
      assertTrue(direct.isOpen());
      assertEquals(direct, a.transport.connection(b.id()).orElseThrow());
      assertEquals(closedBefore, b.closed.size(), "b's direct connection was not touched");
    } finally {
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
