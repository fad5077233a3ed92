package org.kith.node.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;

/** Last handler of a test pipeline: records exceptions and user events, passes messages to the channel. */
final class Capture extends ChannelInboundHandlerAdapter {
  final List<Throwable> errors = new ArrayList<>();
  final List<Object> events = new ArrayList<>();

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    errors.add(cause);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    events.add(evt);
  }
}
