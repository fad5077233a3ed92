package org.kith.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link RequestGuard} on an {@link EmbeddedChannel} behind the real codec and aggregator: bytes fed whole, one at a
 * time and in random slices; time advanced by hand, so the deadlines are exact and nothing sleeps.
 */
class RequestGuardTest {
  static final ApiServer.Limits LIMITS = new ApiServer.Limits(4, 4096, 1024, 1_000, 5_000);

  final RequestGuard.Budget budget = new RequestGuard.Budget(LIMITS.maxBufferedBytes());
  final List<FullHttpRequest> routed = new ArrayList<>();
  EmbeddedChannel ch;
  ChannelHandlerContext route;

  /** The route: keeps what reaches it, answers when the test says. */
  final class Route extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      route = ctx;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      routed.add(req.retain());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // As the server's handler: the aggregator reports a body cut short by a close.
      ctx.close();
    }
  }

  EmbeddedChannel channel() {
    ch = new EmbeddedChannel();
    ch.freezeTime();
    ch.pipeline().addLast(
        new HttpServerCodec(new HttpDecoderConfig()
            .setMaxInitialLineLength(ApiServer.MAX_REQUEST_LINE_BYTES)
            .setMaxHeaderSize(ApiServer.MAX_HEADER_BYTES)),
        new RequestGuard(head -> head.headers().contains("Authorization", "Bearer t", false) ? null
            : ApiServer.json(HttpResponseStatus.UNAUTHORIZED, ApiServer.error("no token", 1)), budget, LIMITS),
        new HttpObjectAggregator(LIMITS.maxBodyBytes(), true),
        new Route());
    return ch;
  }

  static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  /** What the server wrote, as text. */
  String written() {
    StringBuilder b = new StringBuilder();
    ByteBuf out;
    while ((out = ch.readOutbound()) != null) {
      b.append(out.toString(StandardCharsets.ISO_8859_1));
      out.release();
    }
    return b.toString();
  }

  void answer() {
    FullHttpRequest req = routed.remove(0);
    req.release();
    route.writeAndFlush(ApiServer.json(HttpResponseStatus.OK, new JsonObject()));
    ch.runPendingTasks();
  }

  void advanceMillis(long millis) {
    ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
  }

  static final String REFUSED = "POST /v1/notes HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n";
  static final String BODY = "{\"text\":\"" + "a".repeat(990) + "\"}";

  @ParameterizedTest(name = "bytes at a time: {0}")
  @ValueSource(ints = {1, 7, Integer.MAX_VALUE})
  void refusedHead_isAnsweredAtItsLastByte_andNothingReachesTheRoute(int slice) {
    channel();
    byte[] head = REFUSED.getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < head.length; i += slice) {
      assertEquals("", written(), "answered before the head was complete, at byte " + i);
      ch.writeInbound(Unpooled.wrappedBuffer(head, i, Math.min(slice, head.length - i)));
    }
    String out = written();
    assertTrue(out.startsWith("HTTP/1.1 401"), out);
    assertTrue(out.toLowerCase().contains("connection: close"), out);
    assertFalse(ch.isOpen());
    assertTrue(routed.isEmpty());
    assertEquals(0, budget.usedBytes());
    assertFalse(ch.finish());
  }

  @Test
  void refusedHead_withItsBodyInTheSameRead_dropsTheBody() {
    channel();
    ch.writeInbound(bytes(REFUSED + BODY));
    assertTrue(written().startsWith("HTTP/1.1 401"));
    assertFalse(ch.isOpen());
    assertTrue(routed.isEmpty());
    assertEquals(0, budget.usedBytes());
    assertFalse(ch.finish());
  }

  @Test
  void admittedRequest_inRandomSlices_reachesTheRouteWhole_andHoldsItsBytesUntilAnswered() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    channel();
    byte[] request = ("POST /v1/notes HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: " + BODY.length()
        + "\r\n\r\n" + BODY).getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < request.length; ) {
      int n = Math.min(1 + random.nextInt(64), request.length - i);
      ch.writeInbound(Unpooled.wrappedBuffer(request, i, n));
      i += n;
    }
    assertEquals(1, routed.size(), "seed " + seed);
    assertEquals(BODY, routed.get(0).content().toString(StandardCharsets.ISO_8859_1), "seed " + seed);
    assertEquals(BODY.length(), budget.usedBytes(), "seed " + seed);
    answer();
    assertTrue(written().startsWith("HTTP/1.1 200"));
    assertEquals(0, budget.usedBytes());
    assertTrue(ch.isOpen());
    assertFalse(ch.finish());
  }

  @Test
  void headDeadline_countsFromTheConnection_notFromTheLastByte() {
    channel();
    byte[] head = "GET /v1/status HTTP/1.1\r\nHost: h\r\n".getBytes(StandardCharsets.ISO_8859_1);
    long step = LIMITS.headTimeoutMillis() / 4;
    for (int i = 0; i < 3; i++) {
      ch.writeInbound(Unpooled.wrappedBuffer(head, i, 1));
      advanceMillis(step);
    }
    advanceMillis(LIMITS.headTimeoutMillis() - 3 * step - 1);
    assertTrue(ch.isOpen(), "closed before the deadline");
    advanceMillis(1);
    assertFalse(ch.isOpen(), "a head trickling in is still read at its deadline");
    assertTrue(routed.isEmpty());
    assertFalse(ch.finish());
  }

  @Test
  void noDeadlineWhileARouteRuns_thenTheNextHeadHasItsOwn() {
    channel();
    ch.writeInbound(bytes("GET /v1/status HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\n\r\n"));
    assertEquals(1, routed.size());
    advanceMillis(10 * LIMITS.bodyTimeoutMillis());
    assertTrue(ch.isOpen(), "closed while its route ran");
    answer();
    assertTrue(written().startsWith("HTTP/1.1 200"));
    advanceMillis(LIMITS.headTimeoutMillis() - 1);
    assertTrue(ch.isOpen());
    advanceMillis(1);
    assertFalse(ch.isOpen(), "an idle keep-alive connection outlived the head deadline");
    assertFalse(ch.finish());
  }

  @Test
  void bodyDeadline_closes_andGivesTheBytesBack() {
    channel();
    ch.writeInbound(bytes("POST /v1/notes HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: "
        + BODY.length() + "\r\n\r\n" + BODY.substring(0, 10)));
    assertEquals(BODY.length(), budget.usedBytes());
    advanceMillis(LIMITS.bodyTimeoutMillis() - 1);
    assertTrue(ch.isOpen());
    advanceMillis(1);
    assertFalse(ch.isOpen());
    assertEquals(0, budget.usedBytes());
    assertTrue(routed.isEmpty());
    assertFalse(ch.finish());
  }

  @Test
  void pipelinedRequests_eachHoldTheirBytes_untilTheirOwnAnswer() {
    channel();
    String one = "POST /v1/notes HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: 10\r\n\r\n"
        + "0123456789";
    String two = "POST /v1/notes HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: 20\r\n\r\n"
        + "01234567890123456789";
    ch.writeInbound(bytes(one + two));
    assertEquals(2, routed.size());
    assertEquals(30, budget.usedBytes());
    answer();
    assertEquals(20, budget.usedBytes());
    answer();
    assertEquals(0, budget.usedBytes());
    assertEquals(2, written().split("HTTP/1.1 200", -1).length - 1);
    assertFalse(ch.finish());
  }

  @Test
  void expectation_continues_orIsRefusedAndCloses() {
    channel();
    ch.writeInbound(bytes("POST /v1/notes HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: 10\r\n"
        + "Expect: 100-continue\r\n\r\n"));
    assertTrue(written().startsWith("HTTP/1.1 100"));
    assertEquals(10, budget.usedBytes());
    ch.writeInbound(bytes("0123456789"));
    answer();
    assertTrue(written().startsWith("HTTP/1.1 200"));
    assertEquals(0, budget.usedBytes());

    ch.writeInbound(bytes("POST /v1/notes HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: 10\r\n"
        + "Expect: something-else\r\n\r\n"));
    String out = written();
    assertTrue(out.startsWith("HTTP/1.1 417"), out);
    assertTrue(out.toLowerCase().contains("connection: close"), out);
    assertFalse(ch.isOpen());
    assertEquals(0, budget.usedBytes());
    assertTrue(routed.isEmpty());
    assertFalse(ch.finish());
  }

  @Test
  void bodyOverTheLimit_andOverTheBudget_areRefusedBeforeTheyAreRead() {
    channel();
    ch.writeInbound(bytes("POST /v1/notes HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: "
        + (LIMITS.maxBodyBytes() + 1) + "\r\n\r\n"));
    assertTrue(written().startsWith("HTTP/1.1 413"));
    assertFalse(ch.isOpen());
    assertFalse(ch.finish());

    assertTrue(budget.tryReserve(LIMITS.maxBufferedBytes() - 10));
    channel();
    ch.writeInbound(bytes("POST /v1/notes HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: 11\r\n\r\n"));
    String out = written();
    assertTrue(out.startsWith("HTTP/1.1 503"), out);
    assertTrue(out.toLowerCase().contains("retry-after: 1"), out);
    assertFalse(ch.isOpen());
    assertEquals(LIMITS.maxBufferedBytes() - 10, budget.usedBytes());
    assertNull(ch.readInbound());
    assertFalse(ch.finish());
  }
}
