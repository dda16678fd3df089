package dev.echoloop.tcp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.vertx.core.net.impl.ShutdownEvent;

/**
 * Turns what Netty and Vert.x report beside the data into {@link Signal}s, passed to Vert.x's handler as messages: the
 * connection then decides how to end in one place, and end of input arrives in order behind the records before it.
 *
 * <p>Left to themselves, Vert.x's handler closes a connection on an idle timeout or an exception at once, and at the
 * shutdown deadline waits for queued replies to be written first; neither tells the client that replies were lost. So
 * idle events and exceptions stop here. Vert.x's {@code ShutdownEvent} (an internal class of Vert.x 5.0.7, sent by
 * {@code NetServer.shutdown} to every connection, even with a timeout of 0 when {@code shutdownHandler} is not called)
 * goes on to Vert.x; it comes back here as a signal at once, for a drain at message boundaries, and its deadline as
 * another, scheduled ahead of Vert.x's own close.
 */
final class ConnectionSignals extends ChannelInboundHandlerAdapter {

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      signal(ctx, Signal.END_OF_INPUT);
    } else if (event instanceof IdleStateEvent) {
      signal(ctx, Signal.IDLE_TIMEOUT);
      return;
    } else if (event instanceof ShutdownEvent shutdown) {
      signal(ctx, Signal.SHUTDOWN);
      ctx.executor().schedule(() -> signal(ctx, Signal.SHUTDOWN_DEADLINE), shutdown.timeout(), shutdown.timeUnit());
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.fireChannelRead(Signal.failed(cause));
    ctx.fireChannelReadComplete();
  }

  /** Outside a read the signal also needs the read-complete that makes Vert.x flush what the connection wrote. */
  private static void signal(ChannelHandlerContext ctx, Signal signal) {
    if (ctx.channel().isActive()) {
      ctx.fireChannelRead(signal);
      ctx.fireChannelReadComplete();
    }
  }
}
