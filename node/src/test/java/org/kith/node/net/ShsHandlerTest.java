package org.kith.node.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.handshake.HandshakeException;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;

/** The handshake stage of the pipeline on EmbeddedChannels: SHS -> box-stream -> frames. */
class ShsHandlerTest {
  private static final KeyPair CLIENT = KeyPair.fromSeed(seed(1));
  private static final KeyPair SERVER = KeyPair.fromSeed(seed(2));

  private static byte[] seed(int b) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) b);
    return s;
  }

  private static EmbeddedChannel pipeline(SecretHandshake shs, Capture capture) {
    BoxStreamCodec box = new BoxStreamCodec();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast(new ShsHandler(shs, box, 60_000), box, new FrameCodecHandler(), capture);
    ch.pipeline().fireChannelActive(); // EmbeddedChannel was active before the handlers were added
    return ch;
  }

  private static byte[] drain(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    return out.toByteArray();
  }

  private static void deliver(byte[] bytes, EmbeddedChannel to, List<byte[]> slices) {
    for (byte[] s : slices) {
      to.writeInbound(Unpooled.wrappedBuffer(s));
    }
  }

  @Test
  void handshake_thenFramesBothWays_whateverTheSlicing() throws Exception {
    for (int way = 0; way < 7; way++) {
      Capture cc = new Capture();
      Capture sc = new Capture();
      EmbeddedChannel client = pipeline(SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, SERVER.publicKey()), cc);
      EmbeddedChannel server = pipeline(SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true), sc);
      final int w = way;
      byte[] m1 = drain(client);
      deliver(m1, server, Slices.of(m1, 1).get(w));
      byte[] m2 = drain(server);
      deliver(m2, client, Slices.of(m2, 2).get(w));
      byte[] m3 = drain(client);
      deliver(m3, server, Slices.of(m3, 3).get(w));
      assertEquals(1, sc.events.size(), "server complete after message 3");
      assertEquals(PublicId.ofKey(CLIENT.publicKey()), ((ShsHandler.Completed) sc.events.get(0)).remote());
      // The server's first frame leaves right behind message 4, so the client gets both in one read.
      Frame ping = FrameCodec.frame(FrameType.PING, 7, Empty.getDefaultInstance());
      server.writeOutbound(ping);
      byte[] m4AndFrame = drain(server);
      assertTrue(m4AndFrame.length > SecretHandshake.SERVER_ACCEPT_BYTES);
      deliver(m4AndFrame, client, Slices.of(m4AndFrame, 4).get(w));
      assertEquals(PublicId.ofKey(SERVER.publicKey()), ((ShsHandler.Completed) cc.events.get(0)).remote());
      assertEquals(ping, client.readInbound());
      assertNull(client.pipeline().get(ShsHandler.class), "removed once done");

      client.writeOutbound(FrameCodec.frame(FrameType.PONG, 7, Empty.getDefaultInstance()));
      byte[] pong = drain(client);
      deliver(pong, server, List.of(pong));
      Frame got = server.readInbound();
      assertEquals(FrameType.PONG, got.getHeader().getType());
      assertTrue(cc.errors.isEmpty() && sc.errors.isEmpty(), cc.errors + " " + sc.errors);

      client.close();
      byte[] goodbye = drain(client);
      assertEquals(34, goodbye.length);
      server.writeInbound(Unpooled.wrappedBuffer(goodbye));
      assertFalse(server.isActive(), "a goodbye closes the other side");
      drain(server);
      assertFalse(client.finish());
      assertFalse(server.finish());
    }
  }

  @Test
  void refusedClient_getsNoMessage4_andNothingPassesTheHandshake() {
    Capture cc = new Capture();
    Capture sc = new Capture();
    EmbeddedChannel client = pipeline(SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, SERVER.publicKey()), cc);
    EmbeddedChannel server = pipeline(SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> false), sc);
    server.writeInbound(Unpooled.wrappedBuffer(drain(client)));
    client.writeInbound(Unpooled.wrappedBuffer(drain(server)));
    byte[] m3 = drain(client);
    ByteBuf m3AndMore = Unpooled.wrappedBuffer(m3, new byte[100]);
    server.writeInbound(m3AndMore);
    assertEquals(0, m3AndMore.refCnt());
    assertEquals(0, drain(server).length, "no message 4");
    assertFalse(server.isActive());
    HandshakeException e = assertInstanceOf(HandshakeException.class, sc.errors.get(0));
    assertEquals(HandshakeException.Reason.CLIENT_REFUSED, e.reason());
    assertTrue(sc.events.isEmpty());
    assertNull(server.readInbound());
    assertFalse(server.finish());

    client.pipeline().fireChannelInactive(); // the server hung up
    HandshakeException c = assertInstanceOf(HandshakeException.class, cc.errors.get(0));
    assertEquals(HandshakeException.Reason.PEER_CLOSED, c.reason());
    assertEquals(4, c.message());
    assertEquals(ConnectFailedException.Reason.REFUSED, ConnectionHandler.connectFailure(c).reason());
    client.finishAndReleaseAll();
  }

  @Test
  void otherNetworkKey_failsAtTheFirstMessage() {
    Capture sc = new Capture();
    NetworkKey other = NetworkKey.of(seed(9));
    EmbeddedChannel client = pipeline(SecretHandshake.client(other, CLIENT, SERVER.publicKey()), new Capture());
    EmbeddedChannel server = pipeline(SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true), sc);
    server.writeInbound(Unpooled.wrappedBuffer(drain(client)));
    assertEquals(HandshakeException.Reason.NETWORK_KEY_MISMATCH, ((HandshakeException) sc.errors.get(0)).reason());
    assertEquals(0, drain(server).length);
    assertFalse(server.isActive());
    assertFalse(server.finish());
    client.finishAndReleaseAll();
  }
}
