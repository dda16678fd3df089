package dev.echoloop.tcp;

import dev.echoloop.config.InvalidConfigException;
import dev.echoloop.ops.EchoMetrics;
import dev.echoloop.ops.EchoMetrics.Rejection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.impl.HAProxyMessageCompletionHandler;
import io.vertx.core.net.impl.NetServerImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Watches Vert.x's PROXY protocol stage on every connection, to give it what Vert.x 5.0.7 lacks: a connection whose
 * header has not come within {@code proxyProtocolTimeoutSeconds} is closed, logged at debug and counted as
 * {@code rejected{reason=proxy}} (Vert.x's {@code HAProxyMessageCompletionHandler} closes it without telling anyone),
 * and the header's version, command and protocol are kept for the info line as a {@link ReceivedProxyHeader} (Vert.x
 * keeps only its addresses).
 *
 * <p>Why a watch and not echoloop's own PROXY stage: Vert.x reads the header before the TLS handshake only because its
 * {@code NetServerImpl} builds the connection's pipeline in stages, and it offers no hook in front of them. With
 * {@code useProxyProtocol} off, Vert.x would put its TLS handler first and, without TLS, hand the connection to
 * echoloop before any header could be read; replacing its stage would mean replacing its TLS set-up, certificate reload
 * and SNI with it. So Vert.x keeps decoding the header and setting the addresses, and echoloop adds one handler between
 * Vert.x's decoder and its completion handler, where both the decoded {@link HAProxyMessage} and Vert.x's idle event
 * pass. The handler gets there from the listening socket's pipeline, in front of Netty's acceptor, which sees every
 * accepted connection before it is registered; that listening channel is reached through two private fields of
 * {@code NetServerImpl} ({@link #listeningChannel}), checked at start, so that another Vert.x version fails the start
 * with one line instead of silently losing the watch.
 *
 * <p>The deadline runs from the accept, whatever the client sends meanwhile: Vert.x's own timeout is an idle timeout,
 * which a client sending one byte at a time defeats. Vert.x's idle event still closes a connection whose deadline has
 * not run out yet (the two start together), and the watch counts it the same way, once. A connection accepted in the
 * instant between the bind and the watch's installation is served by Vert.x's stage alone, as before.
 */
final class ProxyHeaderWatch extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(ProxyHeaderWatch.class);

  private static final String ACCEPTOR_NAME = "echoloop-proxy-acceptor";
  private static final String INSTALLER_NAME = "echoloop-proxy-installer";
  private static final String WATCH_NAME = "echoloop-proxy-watch";

  private final EchoMetrics metrics;
  private final int timeoutSeconds;
  private ScheduledFuture<?> deadline;
  /** Set once the header came or the connection was rejected, so that a rejection is counted once. */
  private boolean decided;

  private ProxyHeaderWatch(EchoMetrics metrics, int timeoutSeconds) {
    this.metrics = metrics;
    this.timeoutSeconds = timeoutSeconds;
  }

  /**
   * Watches every connection {@code server} accepts once the returned future has completed. Call it once per listening
   * socket (instances sharing a port share one), once {@code listen} has succeeded.
   *
   * @param context        the caller's context, where the returned future completes
   * @param metricsOfLoop  the counters of the instance whose event loop serves a connection, by that event loop
   * @param timeoutSeconds how long a connection may take to send its header, in seconds, from its accept
   * @return failed with {@link InvalidConfigException}, one line, when this Vert.x lacks the internals the watch needs
   */
  static Future<Void> install(ContextInternal context, NetServer server, Function<Channel, EchoMetrics> metricsOfLoop,
    int timeoutSeconds) {
    Channel listening;
    try {
      listening = listeningChannel(server);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return Future.failedFuture(new InvalidConfigException("invalid configuration: proxyProtocol=true needs Vert.x"
        + " 5.0.7's NetServerImpl, whose listening socket echoloop watches for missing PROXY headers (" + e + ")"));
    }
    // Added from another thread, a handler is skipped until its event loop has run handlerAdded: the start must not
    // complete, and clients connect, before then.
    PromiseInternal<Void> installed = context.promise();
    listening.eventLoop().<Void>submit(() -> {
      listening.pipeline().addFirst(ACCEPTOR_NAME, new Acceptor(metricsOfLoop, timeoutSeconds));
      return null;
    }).addListener(installed);
    return installed.future();
  }

  /** The channel of the socket {@code server} listens on: its {@code actualServer}'s bind result. */
  @SuppressWarnings("unchecked")
  private static Channel listeningChannel(NetServer server) throws ReflectiveOperationException {
    Field actualServer = NetServerImpl.class.getDeclaredField("actualServer");
    actualServer.setAccessible(true);
    Field bindFuture = NetServerImpl.class.getDeclaredField("bindFuture");
    bindFuture.setAccessible(true);
    Object bound = actualServer.get(server);
    Future<Channel> bind = (Future<Channel>) bindFuture.get(bound);
    Channel channel = bind.result();
    if (channel == null) {
      throw new IllegalStateException("the server is not bound");
    }
    return channel;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    deadline = ctx.executor().schedule(() -> reject(ctx), timeoutSeconds, TimeUnit.SECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    deadline.cancel(false);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HAProxyMessage header && !decided) {
      decided = true;
      deadline.cancel(false);
      ctx.channel().attr(ReceivedProxyHeader.ATTRIBUTE).set(ReceivedProxyHeader.from(header));
      // Vert.x's completion handler, next, sets the addresses and builds the rest of the pipeline (TLS, then echoloop).
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.ALL_IDLE) {
      // Vert.x's own PROXY timeout: the next handler would close the connection without a word.
      reject(ctx);
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  private void reject(ChannelHandlerContext ctx) {
    if (decided) {
      return;
    }
    decided = true;
    metrics.rejected(Rejection.PROXY);
    log.debug("closed connection from {}: no PROXY protocol header within {} s", ctx.channel().remoteAddress(),
      timeoutSeconds);
    ctx.close();
  }

  /**
   * On the listening socket, in front of Netty's acceptor: gives each accepted connection an {@link Installer} before
   * it is registered, so before Vert.x builds its pipeline and before its first byte is read.
   */
  @ChannelHandler.Sharable
  private static final class Acceptor extends ChannelInboundHandlerAdapter {

    private final Function<Channel, EchoMetrics> metricsOfLoop;
    private final int timeoutSeconds;

    Acceptor(Function<Channel, EchoMetrics> metricsOfLoop, int timeoutSeconds) {
      this.metricsOfLoop = metricsOfLoop;
      this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Channel accepted) {
        accepted.pipeline().addLast(INSTALLER_NAME, new Installer(metricsOfLoop, timeoutSeconds));
      }
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * First in a new connection's pipeline. Registration runs Vert.x's initializer, which adds the PROXY stage, before it
   * fires {@code channelRegistered}; here the watch goes in front of Vert.x's completion handler, and the installer
   * leaves.
   */
  private static final class Installer extends ChannelInboundHandlerAdapter {

    private final Function<Channel, EchoMetrics> metricsOfLoop;
    private final int timeoutSeconds;

    Installer(Function<Channel, EchoMetrics> metricsOfLoop, int timeoutSeconds) {
      this.metricsOfLoop = metricsOfLoop;
      this.timeoutSeconds = timeoutSeconds;
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) {
      ChannelHandlerContext vertxStage = ctx.pipeline().context(HAProxyMessageCompletionHandler.class);
      // None when Vert.x closed the connection at once (its server was closing).
      if (vertxStage != null) {
        ctx.pipeline().addBefore(vertxStage.name(), WATCH_NAME,
          new ProxyHeaderWatch(metricsOfLoop.apply(ctx.channel()), timeoutSeconds));
      }
      ctx.pipeline().remove(this);
      ctx.fireChannelRegistered();
    }
  }
}
