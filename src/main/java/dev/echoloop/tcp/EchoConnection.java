package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.FaultConfig;
import dev.echoloop.ops.EchoMetrics;
import dev.echoloop.ops.EchoMetrics.Abort;
import dev.echoloop.ops.EchoMetrics.Fault;
import dev.echoloop.ops.EchoMetrics.Rejection;
import dev.echoloop.tcp.codec.FrameError;
import dev.echoloop.tcp.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One client connection, from the bytes it sends to the replies it gets: frame, reply, hold reading back while the
 * client does not take its replies, and end, telling the client and the operator when replies were lost.
 *
 * <p>The path of a message: {@link #serve} puts the framing's decoder in front of Vert.x's handler (as vertx-mqtt does)
 * and {@link ConnectionSignals} behind it; every record, {@link FrameError} and {@link Signal} then arrives in order at
 * {@link #received}; {@link #reply} frames a record as {@code "<thread>: <record>"}; {@link #write} queues it and,
 * when Vert.x's write queue is full, stops reading until it drains.
 *
 * <p>It works on Netty's buffers through Vert.x's {@link NetSocketInternal} rather than on {@code Buffer}s: the public
 * handler copies every read from Netty's pooled direct memory onto the heap, and Netty copies heap replies back into
 * direct memory to write them. Here a reply is the pooled buffer that was read, or a slice of it, between direct
 * buffers for the prefix and the framing, joined without copying and written once.
 *
 * <p><b>Who releases each buffer.</b> Decided here and nowhere else. Every {@code ByteBuf} that reaches
 * {@link #received} belongs to this connection, which hands it on exactly once: as part of one reply to
 * {@link #write}, or released on the spot. From {@link #write} on, a buffer belongs to the write: Netty releases it once
 * written or when writing it fails; if the connection closes while it still waits in Vert.x's queue, Vert.x drops it
 * unreleased and the write's completion releases it. Nothing is kept across calls; code that holds a record for
 * longer (a delay, a fault) owns it until it passes it to {@link #write}, and must release it if the connection closes
 * first.
 *
 * <p><b>Faults</b> ({@code faults.*}, off by default) act on this path: a banner before the first reply, delayed
 * replies (in order, held by {@link DelayedReplies}, which owns them until written, and counted against the write
 * queue), a close or reset after N replies, and a stall after N bytes read. A refused connection never gets here
 * ({@link TcpServerVerticle}).
 */
final class EchoConnection {

  private static final Logger log = LoggerFactory.getLogger(EchoConnection.class);
  private static final Logger accessLog = LoggerFactory.getLogger("echoloop.access");
  private static final String CLIENT_CLOSED = "client closed";
  /**
   * Delayed reply bytes above which reading stops, as it does when Vert.x's write queue is full; it resumes at half.
   * Vert.x's own queue does not see replies that are not written yet, so they are counted here.
   */
  static final long MAX_DELAYED_BYTES = 64 * 1024;

  private final NetSocketInternal socket;
  /** Vert.x's handler: writing or closing from here bypasses it, and everything in front of it. */
  private final ChannelHandlerContext vertxHandler;
  private final WireFormat format;
  private final int maxFrameBytes;
  private final ByteBuf replyPrefix;
  private final EchoMetrics metrics;
  private final EchoConfig config;
  private final FaultConfig faults;
  /** Replies held by {@code faults.delayMillis}; null when no reply is ever delayed. */
  private final DelayedReplies delayed;
  /** What to do once the delayed replies are written (close or reset the connection); null for nothing yet. */
  private Runnable afterDelayed;
  /** {@code faults.stallAfterBytes} was reached: nothing more is read or answered. */
  private boolean stalled;
  /** A graceful shutdown began. */
  private boolean shutdownBegun;
  private final long openedNanos = System.nanoTime();
  private long bytesIn;
  /** Bytes read after the lingering close began, and discarded: no reply is owed for them. */
  private long bytesDiscarded;
  /** Reply and error bytes handed to {@link #write}. */
  private long bytesQueued;
  /** Of those, the bytes Netty has written to the socket. */
  private long bytesWritten;
  private long messages;
  /** The last write handed to Vert.x; writes complete in order, so once it has, all have. */
  private Future<Void> lastWrite = Future.succeededFuture();
  /** A graceful shutdown began and {@code drain} is {@code boundary}: close at the next message boundary. */
  private boolean draining;
  /** The lingering close began: nothing more is answered. */
  private boolean lingering;
  /** Reading is stopped because the client does not take its replies (backpressure). */
  private boolean heldBack;
  /** {@link #messages} and the time when the live view last asked, for its messages per second. */
  private long sampledMessages;
  private long sampledNanos = openedNanos;
  /** A client's close and its half-close look alike (a FIN) until the server answers, so both end as "client closed". */
  private String endReason = CLIENT_CLOSED;

  /**
   * @param replyPrefix the event loop's {@code "<thread>: "}, shared and never released, so each reply takes a duplicate
   */
  EchoConnection(NetSocket socket, EchoConfig config, ByteBuf replyPrefix, EchoMetrics metrics) {
    this.socket = (NetSocketInternal) socket;
    this.vertxHandler = this.socket.channelHandlerContext();
    this.format = WireFormat.of(config.framing());
    this.maxFrameBytes = config.maxFrameBytes();
    this.replyPrefix = replyPrefix;
    this.metrics = metrics;
    this.config = config;
    this.faults = config.faults();
    this.delayed = faults.delays()
      ? new DelayedReplies(vertxHandler.executor(), this::write, this::delayedRepliesWritten)
      : null;
  }

  /**
   * Starts serving; {@code onClosed} runs once when the connection is gone, however it ended.
   *
   * <p>Netty closes a connection as soon as the client half-closes it, dropping replies still queued for it. Allowing
   * half-closure keeps it open; the end of input then reaches {@link #received} as a {@link Signal}, behind the records
   * before it (and the decoder's last one), so it is handled in order, however long reading was held back.
   */
  void serve(Runnable onClosed) {
    Channel channel = vertxHandler.channel();
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    channel.pipeline().addBefore("handler", "echoloop-signals", new ConnectionSignals());
    channel.pipeline().addBefore("echoloop-signals", "echoloop-bytes-in", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object message) {
        // Counted before the decoder, which drops delimiters and headers: the access log's in= is what the client sent.
        if (message instanceof ByteBuf data && lingering) {
          bytesDiscarded += data.readableBytes();
        } else if (message instanceof ByteBuf data) {
          bytesIn += data.readableBytes();
          metrics.received(data.readableBytes());
          message = withinStallLimit(data);
          if (message == null) {
            return;
          }
        }
        ctx.fireChannelRead(message);
      }
    });
    format.addDecoder(channel.pipeline(), "echoloop-signals", maxFrameBytes);
    socket.messageHandler(this::received);
    socket.closeHandler(closed -> {
      if (delayed != null) {
        delayed.releaseAll();
      }
      if (config.accessLog()) {
        // client: who the balancer says connected (PROXY header), peer: who did (the balancer); equal without PROXY.
        accessLog.info("client={} peer={} loop={} in={} out={} messages={} discarded={} duration_ms={} end=\"{}\"",
          socket.remoteAddress(), socket.remoteAddress(true),
          Thread.currentThread().getName(), bytesIn, bytesQueued, messages, bytesDiscarded,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedNanos), endReason);
      }
      onClosed.run();
    });
    if (config.greeting() == EchoConfig.Greeting.INFO) {
      // Here the connection is established: the PROXY header read, the TLS handshake done, so their details exist.
      JsonObject info = ConnectionInfo.of(socket, config.nodeName(), Thread.currentThread().getName(), Instant.now());
      write(((BufferInternal) format.line(info.encode())).getByteBuf());
    }
    // The banner (faults.banner) combines with the greeting: the info line first, then the fixed line.
    if (!faults.banner().isEmpty()) {
      write(((BufferInternal) format.line(faults.banner())).getByteBuf());
    }
    if (faults.stallAfterBytes() == 0) {
      stall();
    }
  }

  long messages() {
    return messages;
  }

  long bytesIn() {
    return bytesIn;
  }

  long bytesWritten() {
    return bytesWritten;
  }

  boolean heldBack() {
    return heldBack;
  }

  /**
   * Describes this connection for the live view, on its event loop: addresses, counts and state, never payload. Its
   * messages per second are over the time since the previous call.
   *
   * @param now       {@link System#nanoTime()} of the snapshot
   * @param eventLoop the event loop's thread name
   * @param serverDraining whether the server is shutting down
   */
  ServerSnapshot.Connection snapshot(long now, String eventLoop, boolean serverDraining) {
    double perSecond = (messages - sampledMessages) * 1e9 / Math.max(1, now - sampledNanos);
    sampledMessages = messages;
    sampledNanos = now;
    String state = lingering ? "closing" : stalled ? "faulted" : heldBack ? "held back" : draining || serverDraining ? "draining" : "reading";
    String tls = socket.isSsl() && socket.sslSession() != null ? socket.sslSession().getProtocol() : "";
    return new ServerSnapshot.Connection(String.valueOf(socket.remoteAddress()), String.valueOf(socket.remoteAddress(true)),
      eventLoop, TimeUnit.NANOSECONDS.toMillis(now - openedNanos), bytesIn, bytesWritten, bytesQueued - bytesWritten,
      messages, perSecond, state, tls);
  }

  /** Everything the pipeline delivers: a record (a read, with {@code raw}), a framing error, or a signal. */
  private void received(Object message) {
    if (message instanceof ByteBuf record) {
      if (lingering) {
        record.release();
        return;
      }
      reply(record);
      if (draining) {
        drainAtBoundary();
      } else if (socket.writeQueueFull() || delayedBytes() >= MAX_DELAYED_BYTES) {
        // The client is not reading its replies fast enough (or too many wait for their delay): stop reading its
        // requests until they drain.
        heldBack = true;
        setReading(false);
        socket.drainHandler(drained -> resumeIfDrained());
      }
    } else if (message instanceof FrameError error) {
      if (!lingering) {
        reject(error);
      }
    } else if (message instanceof Signal signal) {
      handle(signal);
    } else {
      ReferenceCountUtil.release(message);
    }
  }

  /** Writes {@code header + "<thread>: " + record + trailer} as one message, the record without a copy. */
  private void reply(ByteBuf record) {
    int replyLength = replyPrefix.readableBytes() + record.readableBytes();
    CompositeByteBuf reply = vertxHandler.alloc().compositeDirectBuffer(4);
    ByteBuf header = format.header(vertxHandler.alloc(), replyLength);
    if (header != null) {
      reply.addComponent(true, header);
    }
    reply.addComponent(true, replyPrefix.duplicate());
    reply.addComponent(true, record);
    ByteBuf trailer = format.trailer();
    if (trailer != null) {
      reply.addComponent(true, trailer);
    }
    messages++;
    metrics.replied(reply.readableBytes());
    deliver(reply, replyDelayNanos());
    if (faults.closes() && messages == faults.closeAfterMessages()) {
      closeAfterMessages();
    }
  }

  /** Writes {@code data} now, or holds it behind the delayed replies (see the class comment on ownership). */
  private void deliver(ByteBuf data, long delayNanos) {
    if (delayed != null && (delayNanos > 0 || !delayed.isEmpty())) {
      delayed.add(data, delayNanos);
    } else {
      write(data);
    }
  }

  /** {@code faults.delayMillis} plus its jitter for {@code faults.delayProbability} of the replies, else 0. */
  private long replyDelayNanos() {
    if (delayed == null) {
      return 0;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (faults.delayProbability() < 1 && random.nextDouble() >= faults.delayProbability()) {
      return 0;
    }
    metrics.injected(Fault.DELAY);
    int jitter = faults.delayJitterMillis() > 0 ? random.nextInt(faults.delayJitterMillis() + 1) : 0;
    return TimeUnit.MILLISECONDS.toNanos(faults.delayMillis() + jitter);
  }

  private long delayedBytes() {
    return delayed == null ? 0 : delayed.bytes();
  }

  /** Runs {@code action} once every delayed reply is written: at once when none waits. The first end decided wins. */
  private void afterDelayedReplies(Runnable action) {
    if (afterDelayed != null) {
      return;
    }
    if (delayed == null || delayed.isEmpty()) {
      action.run();
    } else {
      afterDelayed = action;
    }
  }

  private void delayedRepliesWritten() {
    if (delayed.isEmpty() && afterDelayed != null) {
      afterDelayed.run();
    } else {
      resumeIfDrained();
    }
  }

  private void resumeIfDrained() {
    if (!lingering && !stalled && !socket.writeQueueFull() && delayedBytes() <= MAX_DELAYED_BYTES / 2) {
      heldBack = false;
      setReading(true);
    }
  }

  /** {@code faults.closeAfterMessages}: the Nth reply was just queued; nothing more is answered, and it is the last. */
  private void closeAfterMessages() {
    boolean reset = faults.closeWith() == FaultConfig.CloseWith.RST;
    metrics.injected(reset ? Fault.RESET : Fault.CLOSE);
    String reason = "fault: " + (reset ? "reset" : "closed") + " after " + messages + " message"
      + (messages == 1 ? "" : "s");
    if (!reset) {
      closeLingering(reason);
      return;
    }
    lingering = true;
    endReason = reason;
    setReading(false);
    afterDelayedReplies(this::resetOnceWritten);
  }

  /** The last reply reaches the socket first, so the client reads it and then meets the reset. */
  private void resetOnceWritten() {
    vertxHandler.flush();
    lastWrite.onComplete(written -> reset(vertxHandler.channel()));
  }

  /**
   * Resets a connection (SO_LINGER 0, so the kernel sends an RST) from the head of the pipeline: a close passing
   * through Netty's {@code SslHandler} would first send TLS's close_notify, which a TLS client reads as an orderly end.
   */
  static void reset(Channel channel) {
    if (channel.isActive()) {
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
      channel.pipeline().firstContext().close();
    }
  }

  /**
   * {@code faults.stallAfterBytes}: passes on only what falls within the first N bytes the client sent, and stops
   * reading when they are reached; returns what to pass on, or null for nothing (the read is then released).
   */
  private ByteBuf withinStallLimit(ByteBuf data) {
    if (stalled) {
      data.release();
      return null;
    }
    if (!faults.stalls() || bytesIn < faults.stallAfterBytes()) {
      return data;
    }
    long keep = data.readableBytes() - (bytesIn - faults.stallAfterBytes());
    stall();
    if (keep <= 0) {
      data.release();
      return null;
    }
    ByteBuf kept = data.retainedSlice(data.readerIndex(), (int) keep);
    data.release();
    return kept;
  }

  /** A black hole: nothing more is read or answered, the connection stays open, the idle timeout is ignored. */
  private void stall() {
    stalled = true;
    setReading(false);
    metrics.injected(Fault.STALL);
    endReason = "fault: stalled after " + faults.stallAfterBytes() + " bytes";
    if (shutdownBegun) {
      // Outside the read that got here, so the bytes before the limit are still answered first.
      vertxHandler.executor().execute(this::endStalled);
    }
  }

  /** A stalled connection never finishes by itself, so a graceful shutdown ends it when it begins. */
  private void endStalled() {
    end(endReason + ", closed at shutdown", Abort.SHUTDOWN_DEADLINE);
  }

  /** Takes ownership of {@code data} (see the class comment) and queues it behind every earlier reply. */
  private void write(ByteBuf data) {
    int length = data.readableBytes();
    bytesQueued += length;
    lastWrite = socket.writeMessage(data);
    lastWrite.onComplete(written -> {
      if (written.succeeded()) {
        bytesWritten += length;
      } else if (data.refCnt() > 0) {
        // Netty releases what it failed to write; only a message Vert.x dropped from its queue is still ours here.
        data.release();
      }
    });
  }

  /** The stream broke the framing: answer with the error line, answer nothing more, close once the replies are out. */
  private void reject(FrameError error) {
    endReason = error.message();
    metrics.rejected(error.kind() == FrameError.Kind.TOO_LONG ? Rejection.FRAME_TOO_LONG : Rejection.INVALID_FRAME);
    deliver(((BufferInternal) format.errorMessage(error.message())).getByteBuf(), 0);
    closeLingering(error.message());
  }

  private void handle(Signal signal) {
    switch (signal.kind()) {
      // Everything the client sent before has been answered by now; the close follows the last reply.
      case END_OF_INPUT -> afterDelayedReplies(socket::close);
      case SHUTDOWN -> {
        shutdownBegun = true;
        if (stalled) {
          endStalled();
        } else if (config.drain() == EchoConfig.Drain.BOUNDARY) {
          draining = true;
          drainAtBoundary();
        }
      }
      case IDLE_TIMEOUT -> {
        if (stalled) {
          // A black hole is silent on purpose; only the client or a shutdown ends it.
          return;
        }
        metrics.rejected(Rejection.IDLE_TIMEOUT);
        end("idle timeout", Abort.IDLE_TIMEOUT);
      }
      case SHUTDOWN_DEADLINE -> end("shutdown deadline", Abort.SHUTDOWN_DEADLINE);
      case FAILED -> {
        log.debug("connection from {} failed: {}", socket.remoteAddress(), signal.failure().toString());
        end(isClientReset(signal.failure()) ? "client reset" : "failed: " + signal.failure(), Abort.FAILED);
      }
    }
  }

  /**
   * Whether a connection failure is the client resetting the connection (a TCP RST): "Connection reset by peer" from
   * the native transports, "Connection reset" from NIO, "Broken pipe" from a write after the RST. That is something a
   * client does, not a server error, so the access log says {@code client reset}. Recognised by message as Netty's own
   * {@code SslHandler} does: the exception types carry no portable errno.
   */
  private static boolean isClientReset(Throwable failure) {
    String message = failure.getMessage();
    return failure instanceof IOException && message != null
      && (message.contains("Connection reset") || message.contains("Broken pipe"));
  }

  /**
   * Closes the draining connection once every record read has been answered and no part of the next one is buffered
   * (in {@code raw} framing, where each read is one record, at once). With part of a record buffered, the connection
   * reads on until a read ends with a record, as it does whenever the client writes whole records; a client whose
   * writes cut records at random may not get there before {@code shutdownTimeoutSeconds}.
   */
  private void drainAtBoundary() {
    if (WireFormat.bufferedBytes(vertxHandler.pipeline()) == 0) {
      metrics.drained();
      closeLingering("drained");
    }
  }

  /**
   * Ends the connection after the replies written so far with a {@link LingeringClose}; what the client sends from now
   * on is read and discarded, never answered. A reply is owed only for a request read before this.
   */
  private void closeLingering(String reason) {
    if (lingering) {
      return;
    }
    lingering = true;
    endReason = reason;
    // Nothing needs reading until the replies are out; the lingering close reads again, to discard, after its FIN.
    setReading(false);
    afterDelayedReplies(() -> {
      // Vert.x flushes a write made during a read at the read's end; an error from the decoder's last call at
      // half-close has no read end to come, and its write would wait for ever.
      vertxHandler.flush();
      LingeringClose.after(socket, lastWrite);
    });
  }

  /**
   * The server ends the connection. With every reply written this is an ordinary close (a FIN). With replies still
   * queued, a FIN behind the ones already sent would look like a complete answer to the client; so the connection is
   * reset instead (SO_LINGER 0), and the access log's {@code end} and the metrics say how many bytes went unsent
   * (issue 8 item 3). Bytes already handed to the kernel but not yet taken by the client are lost too; the reset
   * tells the client so, but only the bytes echoloop still held are counted.
   */
  private void end(String reason, Abort abort) {
    long unsent = bytesQueued - bytesWritten + delayedBytes();
    Channel channel = vertxHandler.channel();
    if (unsent == 0 || !channel.isActive()) {
      endReason = reason;
      socket.close();
      return;
    }
    endReason = reason + ", reset with " + unsent + " bytes unsent";
    metrics.aborted(abort, unsent);
    channel.config().setOption(ChannelOption.SO_LINGER, 0);
    // Closing through Vert.x would first wait for the queued replies to be written, which the client is not taking.
    vertxHandler.close();
  }

  /**
   * Stops or restarts reading at the channel. {@code NetSocket.pause()} would instead park what Netty has already read
   * in a Vert.x queue that is dropped without being released if the connection then closes (a client that resets while
   * it is held back), leaking pooled buffers; with auto-read off, the few reads of the current loop still arrive here
   * and are answered, which keeps the buffering bounded all the same.
   */
  private void setReading(boolean reading) {
    vertxHandler.channel().config().setAutoRead(reading);
  }
}
