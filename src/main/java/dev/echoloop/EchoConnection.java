package dev.echoloop;

import dev.echoloop.framing.FrameSink;
import dev.echoloop.framing.Framer;
import dev.echoloop.framing.Framing;
import dev.echoloop.ops.EchoMetrics;
import dev.echoloop.ops.EchoMetrics.Rejection;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * One client connection, from the bytes it sends to the replies it gets: read, frame, reply, and hold reading back
 * while the client does not take its replies.
 */
final class EchoConnection implements FrameSink {

  private static final Logger log = LoggerFactory.getLogger(EchoConnection.class);
  private static final Logger accessLog = LoggerFactory.getLogger("echoloop.access");

  private final NetSocket socket;
  private final Framing framing;
  private final Framer framer;
  private final Buffer replyPrefix;
  private final Buffer trailer;
  private final EchoMetrics metrics;
  private final boolean logAccess;
  private final long openedNanos = System.nanoTime();
  private long bytesIn;
  private long bytesOut;
  private long messages;
  /** A client's close and its half-close look alike (a FIN) until the server answers, so both end as "client closed". */
  private String endReason = "client closed";

  EchoConnection(NetSocket socket, EchoConfig config, Buffer replyPrefix, EchoMetrics metrics) {
    this.socket = socket;
    this.framing = config.framing();
    this.framer = framing.newFramer(config.maxFrameBytes());
    this.replyPrefix = replyPrefix;
    this.trailer = framing.trailer();
    this.metrics = metrics;
    this.logAccess = config.accessLog();
  }

  /** Starts serving; {@code onClosed} runs once when the connection is gone, however it ended. */
  void serve(Runnable onClosed) {
    watchChannelEvents();
    socket.handler(this::received);
    socket.exceptionHandler(failure -> {
      endReason = "failed: " + failure.getMessage();
      log.debug("connection from {} failed: {}", socket.remoteAddress(), failure.toString());
    });
    socket.closeHandler(closed -> {
      if (logAccess) {
        accessLog.info("remote={} loop={} in={} out={} messages={} duration_ms={} end=\"{}\"", socket.remoteAddress(),
          Thread.currentThread().getName(), bytesIn, bytesOut, messages,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedNanos), endReason);
      }
      onClosed.run();
    });
  }

  private void received(Buffer chunk) {
    if (chunk.length() == 0) {
      endOfInput();
      return;
    }
    bytesIn += chunk.length();
    metrics.received(chunk.length());
    framer.feed(chunk, this);
    if (socket.writeQueueFull()) {
      // The client is not reading its replies fast enough: stop reading its requests until they drain.
      socket.pause();
      socket.drainHandler(drained -> socket.resume());
    }
  }

  @Override
  public void record(Buffer payload) {
    int replyLength = replyPrefix.length() + payload.length();
    Buffer header = framing.header(replyLength);
    if (header != null) {
      socket.write(header);
      replyLength += header.length();
    }
    // Separate writes of one read batch are flushed together, and the payload is sent back without a copy.
    socket.write(replyPrefix);
    socket.write(payload);
    if (trailer != null) {
      socket.write(trailer);
      replyLength += trailer.length();
    }
    messages++;
    bytesOut += replyLength;
    metrics.replied(replyLength);
  }

  @Override
  public void reject(String error) {
    endReason = error;
    metrics.rejected(error.startsWith(Framing.TOO_LONG) ? Rejection.FRAME_TOO_LONG : Rejection.INVALID_FRAME);
    socket.pause();
    socket.write(framing.errorMessage(error));
    socket.close();
  }

  /** The client shut its output; everything it sent before has been answered by now. */
  private void endOfInput() {
    framer.endOfInput(this);
    socket.close();
  }

  /**
   * Netty closes a connection as soon as the client half-closes it, dropping replies still queued for it. Allowing
   * half-closure keeps the connection open; the end of input then travels to {@link #received} as an empty buffer,
   * behind the data that came before it (a real read is never empty), so it is handled in order, paused or not.
   */
  private void watchChannelEvents() {
    ChannelHandlerContext vertxHandler = ((NetSocketInternal) socket).channelHandlerContext();
    vertxHandler.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    vertxHandler.pipeline().addBefore("handler", "echoloop-events", new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
          ctx.fireChannelRead(Unpooled.EMPTY_BUFFER);
        } else if (event instanceof IdleStateEvent) {
          endReason = "idle timeout";
          metrics.rejected(Rejection.IDLE_TIMEOUT);
        }
        ctx.fireUserEventTriggered(event);
      }
    });
  }
}
