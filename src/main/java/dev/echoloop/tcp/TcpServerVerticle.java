package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.InvalidConfigException;
import dev.echoloop.config.TlsSettings;

import dev.echoloop.ops.EchoMetrics;
import dev.echoloop.tcp.codec.WireFormat;
import dev.echoloop.ops.EchoMetrics.Fault;
import dev.echoloop.ops.EchoMetrics.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.buffer.Unpooled;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.HAProxyMessageCompletionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Answers every message a client sends with {@code "<event-loop thread name>: <the same bytes>"}: the Python
 * {@code ThreadingMixIn} example's handler, served by an event loop instead of a thread per connection.
 *
 * <p>Deploy several instances: they share one listening port and Vert.x hands each new connection to the next
 * instance's event loop. Each connection is served by an {@link EchoConnection}.
 */
public final class TcpServerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(TcpServerVerticle.class);

  private static final Logger accessLog = LoggerFactory.getLogger("echoloop.access");

  /** Publishing on this local event-bus address makes the server re-read its TLS certificate, once per deployment. */
  public static final String RELOAD_TLS_ADDRESS = "echoloop.tls.reload";

  /** How often the certificate, key and client CA files are checked for a renewal, in ms. */
  static final long CERTIFICATE_CHECK_MILLIS = 5_000;

  private static final String BUSY = "ERR server busy";
  private static final String REFUSED = "fault: refused (reset)";

  /** Vert.x gives each instance its own random port for 0, but shares a negative port under one random port. */
  private static final int SHARED_RANDOM_PORT = -1;

  private final EchoConfig givenConfig;
  private final long certificateCheckMillis;
  private EchoConfig config;
  private ServerGroup group;
  private NetServer server;
  private ByteBuf replyPrefix;
  private Buffer busyMessage;
  private EchoMetrics metrics;
  private EventLoopConnections connections;

  /** For the launcher, which deploys by class name: the configuration comes in the deployment's config. */
  public TcpServerVerticle() {
    this(null);
  }

  public TcpServerVerticle(EchoConfig config) {
    this(config, CERTIFICATE_CHECK_MILLIS);
  }

  /** @param certificateCheckMillis how often a TLS server checks its certificate files for a change, in ms */
  TcpServerVerticle(EchoConfig config, long certificateCheckMillis) {
    this.givenConfig = config;
    this.certificateCheckMillis = certificateCheckMillis;
  }

  @Override
  public Future<?> start() {
    config = givenConfig != null ? givenConfig : EchoConfig.fromJson(config());
    group = ServerGroup.of(vertx, deploymentID());
    // Each instance runs on one event loop, so the thread name in every reply is known before the first message.
    String eventLoop = Thread.currentThread().getName();
    byte[] prefix = config.replyPrefixTemplate().render(config.nodeName(), eventLoop).getBytes(StandardCharsets.UTF_8);
    // Direct, as Netty would copy a heap buffer into direct memory on every write; shared, so nobody may release it.
    replyPrefix = Unpooled.unreleasableBuffer(Unpooled.directBuffer(prefix.length).writeBytes(prefix));
    metrics = new EchoMetrics(eventLoop, vertx.isMetricsEnabled());
    connections = new EventLoopConnections(context, eventLoop, metrics, config.admin().enabled());
    group.serveOn(((ContextInternal) context).nettyEventLoop(), metrics);
    busyMessage = WireFormat.of(config.framing()).errorMessage(BUSY);
    NetServerOptions options = new NetServerOptions()
      .setTcpNoDelay(true)
      // Idle means nothing received: watching writes too would hang a listener on every reply's write.
      .setReadIdleTimeout(config.idleTimeoutSeconds())
      .setIdleTimeoutUnit(TimeUnit.SECONDS)
      // Vert.x reads the header before the TLS handshake, and reports the header's addresses as the socket's own;
      // ProxyHeaderWatch adds the deadline, the count of missing headers and the header's version.
      .setUseProxyProtocol(config.proxyProtocol())
      .setProxyProtocolTimeout(config.proxyProtocolTimeoutSeconds())
      .setProxyProtocolTimeoutUnit(TimeUnit.SECONDS);
    // Checking the certificate files reads and parses them: blocking I/O, so on a worker thread.
    Future<NetServerOptions> ready = config.tls().enabled()
      ? vertx.executeBlocking(() -> TlsSettings.requireLoadable(TlsSettings.applyTo(options, config.tls()), config.tls(), vertx))
      : Future.succeededFuture(options);
    return ready.compose(this::listen).compose(bound -> watchProxyHeaders()).compose(watched -> watchCertificate());
  }

  /**
   * Binds the address the host name resolves to first, through Vert.x's non-blocking resolver (the one
   * {@code NetServer.listen} would use), so the start line can name the address really bound: {@code localhost} binds
   * 127.0.0.1 or ::1, not both.
   */
  private Future<NetServer> listen(NetServerOptions options) {
    server = vertx.createNetServer(options)
      .connectHandler(this::accept)
      .exceptionHandler(this::failedBeforeAccept);
    int port = config.port() == 0 ? SHARED_RANDOM_PORT : config.port();
    return resolve(config.host())
      .compose(address -> server.listen(port, address.getHostAddress())
        .onSuccess(bound -> {
          group.listening(address, bound.actualPort());
          group.add(connections);
        }))
      // One line an operator can act on ("Address already in use"), not a bind stack trace from the launcher.
      .recover(failure -> Future.failedFuture(new InvalidConfigException(
        "cannot listen on " + config.host() + ":" + config.port() + ": " + failure)));
  }

  /**
   * An IP address as it is; a host name through Vert.x's resolver. An address needs no resolving, and asking the
   * resolver would first build a Netty DNS client for this event loop: about 40 ms of CPU per instance at start on
   * JDK 17 (issue 10), for the 127.0.0.1 of the shipped configuration.
   */
  private Future<InetAddress> resolve(String host) {
    InetAddress literal = NetUtil.createInetAddressFromIpAddressString(host);
    return literal != null ? Future.succeededFuture(literal) : ((VertxInternal) vertx).nameResolver().resolve(host);
  }

  /**
   * A connection that broke before it was handed to echoloop: an invalid or unsupported (UDP) PROXY header, or a failed
   * TLS handshake. A connection whose PROXY header never came is counted by {@link ProxyHeaderWatch}, as Vert.x does not
   * report it.
   */
  private void failedBeforeAccept(Throwable failure) {
    if (failure instanceof HAProxyProtocolException
      || failure == HAProxyMessageCompletionHandler.UNSUPPORTED_PROTOCOL_EXCEPTION) {
      metrics.rejected(Rejection.PROXY);
      log.debug("connection closed for its PROXY protocol header: {}", failure.toString());
    } else {
      metrics.rejected(Rejection.TLS);
      log.debug("connection failed before it was accepted (TLS handshake?): {}", failure.toString());
    }
  }

  /** The first instance of a PROXY protocol server installs the one watch over the headers of the listening socket. */
  private Future<?> watchProxyHeaders() {
    if (!config.proxyProtocol() || !group.claimProxyHeaderWatch()) {
      return Future.succeededFuture();
    }
    return ProxyHeaderWatch.install((ContextInternal) context, server, group::metricsOf,
      config.proxyProtocolTimeoutSeconds());
  }

  /** The first instance of a TLS server deploys the one certificate watcher of the whole deployment. */
  private Future<?> watchCertificate() {
    if (!config.tls().enabled() || !group.claimCertificateWatch()) {
      return Future.succeededFuture();
    }
    return vertx.deployVerticle(new CertificateWatcher(server, config.tls(), certificateCheckMillis));
  }

  /**
   * Undeploying would close the server abruptly; shutting it down instead lets connected clients finish, up to the
   * configured timeout, while new connections are refused.
   *
   * <p>With {@code shutdownDelaySeconds}, {@code /ready} turns 503 at once but the listener keeps accepting and serving
   * for that long first, so that a load balancer polling {@code /ready} takes the node out of rotation before its port
   * closes: the Kubernetes preStop pattern. A balancer that only learns of a drain from refused connects would
   * otherwise send new clients into a closed port for up to one check interval.
   */
  @Override
  public Future<?> stop() {
    boolean speaker = group.beginShutdown();
    int delay = config.shutdownDelaySeconds();
    if (speaker && delay > 0) {
      log.info("echoloop shutting down: /ready answers 503, still accepting for {} s so that load balancers take this"
        + " node out first", delay);
    }
    Future<?> delayed = delay == 0 ? Future.succeededFuture() : vertx.timer(delay, TimeUnit.SECONDS);
    return delayed
      .compose(elapsed -> {
        if (speaker) {
          log.info("echoloop shutting down: refusing new connections, open ones get up to {} s to finish",
            config.shutdownTimeoutSeconds());
        }
        return server.shutdown(config.shutdownTimeoutSeconds(), TimeUnit.SECONDS);
      })
      .onComplete(done -> {
        group.remove(connections);
        group.stopped();
      });
  }

  private void accept(NetSocket socket) {
    if (config.faults().refuses() && ThreadLocalRandom.current().nextDouble() < config.faults().refuseProbability()) {
      refuse(socket);
      return;
    }
    if (!group.tryOpen(config.maxConnections())) {
      log.debug("refused connection from {}: {} connections open", socket.remoteAddress(), config.maxConnections());
      metrics.rejected(Rejection.BUSY);
      // What the client already sent is read and dropped, so that the close does not reset the ERR line away.
      socket.handler(discarded -> { });
      LingeringClose.after((NetSocketInternal) socket, socket.write(busyMessage));
      if (config.accessLog()) {
        // Every connection leaves its access-log line, a refused one too, in the format EchoConnection writes.
        accessLog.info("client={} peer={} loop={} in=0 out={} messages=0 discarded=0 duration_ms=0 end=\"{}\"",
          socket.remoteAddress(), socket.remoteAddress(true), Thread.currentThread().getName(), busyMessage.length(), BUSY);
      }
      return;
    }
    metrics.connectionOpened();
    EchoConnection connection = new EchoConnection(socket, config, replyPrefix, metrics);
    connections.opened(connection);
    connection.serve(() -> {
      metrics.connectionClosed();
      connections.closed(connection);
      group.closed();
    });
  }

  /**
   * {@code faults.refuseProbability}: reset at once, before any byte of the echo protocol (with TLS, after the
   * handshake, which Vert.x completes before it hands over a connection).
   */
  private void refuse(NetSocket socket) {
    metrics.injected(Fault.REFUSE);
    if (config.accessLog()) {
      accessLog.info("client={} peer={} loop={} in=0 out=0 messages=0 discarded=0 duration_ms=0 end=\"{}\"",
        socket.remoteAddress(), socket.remoteAddress(true), Thread.currentThread().getName(), REFUSED);
    }
    EchoConnection.reset(((NetSocketInternal) socket).channelHandlerContext().channel());
  }
}
