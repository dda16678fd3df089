package dev.echoloop.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.internal.net.NetSocketInternal;

import java.util.concurrent.TimeUnit;

/**
 * Closes a connection the way Apache's and nginx's lingering close does, so that the client gets every reply written
 * before the close: shut the output down once the last reply is written (a FIN after it), keep reading and discarding
 * what the client still sends for a short, bounded time, then close.
 *
 * <p>A plain close with unread input makes the kernel answer with a reset (RFC 1122 section 4.2.2.13), and a reset
 * makes the client's kernel throw away replies that arrived but were not yet read: the client would lose answers to
 * requests the server did read. The caller discards what arrives while lingering, and closes at once when the client
 * closes its side.
 */
final class LingeringClose {

  /**
   * How long the closing side keeps reading, in ms: long enough for a client to see the FIN and stop sending (nginx's
   * {@code lingering_timeout} is 5 s, Apache reads for up to 2 s), short enough to bound a drain.
   */
  static final long LINGER_MILLIS = 2_000;

  private LingeringClose() {
  }

  /** Starts the lingering close of {@code socket} once {@code written}, the last write, has completed. */
  static void after(NetSocketInternal socket, Future<?> written) {
    Channel channel = socket.channelHandlerContext().channel();
    written.onComplete(done -> {
      if (!channel.isActive()) {
        return;
      }
      if (done.failed() || !(channel instanceof DuplexChannel duplex)) {
        socket.close();
        return;
      }
      shutdownOutput(channel, duplex).addListener(shut -> {
        if (duplex.isInputShutdown()) {
          // The client has already closed its side: nothing more can arrive, so there is nothing to linger for.
          socket.close();
          return;
        }
        channel.config().setAutoRead(true);
        channel.eventLoop().schedule(() -> {
          socket.close();
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
      });
    });
  }

  /** Over TLS the output ends with close_notify first, so the client can tell a complete answer from a cut one. */
  private static ChannelFuture shutdownOutput(Channel channel, DuplexChannel duplex) {
    SslHandler tls = channel.pipeline().get(SslHandler.class);
    if (tls == null) {
      return duplex.shutdownOutput();
    }
    ChannelPromise shut = channel.newPromise();
    tls.closeOutbound().addListener(sent -> duplex.shutdownOutput(shut));
    return shut;
  }
}
