package dev.echoloop.loadgen;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * Tells an orderly close by the server (a FIN) from a reset (an RST) on one client connection. Netty closes a connection
 * on either alike, and reports an RST as an exception only when it happens to read one; allowing half-closure makes a
 * FIN arrive first as an end-of-input event, after which this side closes too.
 */
final class ServerClose {

  private boolean finSeen;

  private ServerClose() {
  }

  /** Starts watching {@code socket}; call before its first byte can arrive, on its event loop. */
  static ServerClose watch(NetSocket socket) {
    ServerClose close = new ServerClose();
    ChannelHandlerContext vertxHandler = ((NetSocketInternal) socket).channelHandlerContext();
    vertxHandler.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    vertxHandler.pipeline().addBefore("handler", "loadgen-fin", new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
          close.finSeen = true;
          ctx.close();
        }
        ctx.fireUserEventTriggered(event);
      }
    });
    return close;
  }

  /** Whether the server's FIN came before the connection closed; false for a reset. */
  boolean orderly() {
    return finSeen;
  }
}
