package dev.echoloop.tcp.codec;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits right behind a decoder and turns its failures into {@link FrameError} values, passed on like records: Vert.x's
 * handler would close the connection at once on an exception, before the {@code ERR} line could be written. The error
 * follows every record decoded before the fault. After it the decoder is removed and whatever the client sent next is
 * released unread: nothing after a framing error is answered.
 */
final class FrameErrorHandler extends ChannelInboundHandlerAdapter {

  private final ChannelHandler decoder;
  private final int maxFrameBytes;
  private boolean failed;

  FrameErrorHandler(ChannelHandler decoder, int maxFrameBytes) {
    this.decoder = decoder;
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    if (failed) {
      ReferenceCountUtil.release(message);
    } else {
      ctx.fireChannelRead(message);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    FrameError error = frameError(cause);
    if (error == null) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    if (!failed) {
      failed = true;
      ctx.fireChannelRead(error);
      // Removing a decoder hands on the bytes it still holds, which channelRead now releases.
      ctx.pipeline().remove(decoder);
    }
  }

  private FrameError frameError(Throwable cause) {
    if (cause instanceof FrameException frame) {
      return frame.error();
    }
    return cause instanceof TooLongFrameException ? FrameError.tooLong(maxFrameBytes) : null;
  }
}
