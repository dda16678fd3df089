package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;

import dev.echoloop.tcp.codec.FrameSink;
import dev.echoloop.tcp.codec.Framer;
import dev.echoloop.tcp.codec.Framing;
import dev.echoloop.ops.EchoMetrics;
import dev.echoloop.ops.EchoMetrics.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * One client connection, from the bytes it sends to the replies it gets: read, frame, reply, and hold reading back
 * while the client does not take its replies.
 *
 * <p>It works on Netty's buffers through Vert.x's {@link NetSocketInternal} rather than on {@code Buffer}s: the public
 * handler copies every read from Netty's pooled direct memory onto the heap, and Netty copies heap replies back into
 * direct memory to write them. Here a {@code raw} reply is the thread-name prefix and the very buffer that was read,
 * joined without copying and written once.
 */
final class EchoConnection implements FrameSink {

  private static final Logger log = LoggerFactory.getLogger(EchoConnection.class);
  private static final Logger accessLog = LoggerFactory.getLogger("echoloop.access");

  private final NetSocketInternal socket;
  private final Framing framing;
  private final Framer framer;
  private final ByteBuf replyPrefix;
  private final EchoMetrics metrics;
  private final boolean logAccess;
  private final long openedNanos = System.nanoTime();
  private long bytesIn;
  private long bytesOut;
  private long messages;
  /** A client's close and its half-close look alike (a FIN) until the server answers, so both end as "client closed". */
  private String endReason = "client closed";

  /**
   * @param replyPrefix the event loop's {@code "<thread>: "}, shared and never released, so each reply takes a duplicate
   */
  EchoConnection(NetSocket socket, EchoConfig config, ByteBuf replyPrefix, EchoMetrics metrics) {
    this.socket = (NetSocketInternal) socket;
    this.framing = config.framing();
    this.framer = framing.newFramer(config.maxFrameBytes());
    this.replyPrefix = replyPrefix;
    this.metrics = metrics;
    this.logAccess = config.accessLog();
  }

  /** Starts serving; {@code onClosed} runs once when the connection is gone, however it ended. */
  void serve(Runnable onClosed) {
    watchChannelEvents();
    socket.messageHandler(this::received);
    socket.exceptionHandler(failure -> {
      endReason = "failed: " + failure;
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

  private void received(Object message) {
    if (!(message instanceof ByteBuf data)) {
      ReferenceCountUtil.release(message);
      return;
    }
    if (!data.isReadable()) {
      data.release();
      endOfInput();
      return;
    }
    bytesIn += data.readableBytes();
    metrics.received(data.readableBytes());
    if (framer == null) {
      reply(data);
    } else {
      framer.feed(BufferInternal.safeBuffer(data), this);
    }
    if (socket.writeQueueFull()) {
      // The client is not reading its replies fast enough: stop reading its requests until they drain.
      setReading(false);
      socket.drainHandler(drained -> setReading(true));
    }
  }

  @Override
  public void record(Buffer payload) {
    reply(((BufferInternal) payload).getByteBuf());
  }

  /** Writes {@code header + "<thread>: " + payload + trailer} as one message; the write releases the payload. */
  private void reply(ByteBuf payload) {
    int replyLength = replyPrefix.readableBytes() + payload.readableBytes();
    CompositeByteBuf reply = Unpooled.compositeBuffer(4);
    ByteBuf header = framing.header(replyLength);
    if (header != null) {
      reply.addComponent(true, header);
    }
    reply.addComponent(true, replyPrefix.duplicate());
    reply.addComponent(true, payload);
    ByteBuf trailer = framing.trailer();
    if (trailer != null) {
      reply.addComponent(true, trailer);
    }
    messages++;
    bytesOut += reply.readableBytes();
    metrics.replied(reply.readableBytes());
    socket.writeMessage(reply).onFailure(failed -> {
      // A reply still queued in Vert.x when the connection closes is dropped unreleased; one Netty failed, it released.
      if (reply.refCnt() > 0) {
        reply.release();
      }
    });
  }

  @Override
  public void reject(String error) {
    endReason = error;
    metrics.rejected(error.startsWith(Framing.TOO_LONG) ? Rejection.FRAME_TOO_LONG : Rejection.INVALID_FRAME);
    setReading(false);
    socket.write(framing.errorMessage(error));
    socket.close();
  }

  /**
   * Stops or restarts reading at the channel. {@code NetSocket.pause()} would instead park what Netty has already read
   * in a Vert.x queue that is dropped without being released if the connection then closes (a client that resets while
   * it is held back), leaking pooled buffers on this raw path; with auto-read off, the few reads of the current loop
   * still arrive here and are answered, which keeps the buffering bounded all the same.
   */
  private void setReading(boolean reading) {
    socket.channelHandlerContext().channel().config().setAutoRead(reading);
  }

  /** The client shut its output; everything it sent before has been answered by now. */
  private void endOfInput() {
    if (framer != null) {
      framer.endOfInput(this);
    }
    socket.close();
  }

  /**
   * Netty closes a connection as soon as the client half-closes it, dropping replies still queued for it. Allowing
   * half-closure keeps the connection open; the end of input then travels to {@link #received} as an empty buffer,
   * behind the data that came before it (a real read is never empty), so it is handled in order, paused or not.
   */
  private void watchChannelEvents() {
    ChannelHandlerContext vertxHandler = socket.channelHandlerContext();
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
