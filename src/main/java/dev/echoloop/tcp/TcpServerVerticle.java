package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.InvalidConfigException;
import dev.echoloop.config.TlsSettings;

import dev.echoloop.ops.EchoMetrics;
import dev.echoloop.ops.EchoMetrics.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.charset.StandardCharsets;
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

  /** Publishing on this local event-bus address makes every server instance re-read its TLS certificate. */
  public static final String RELOAD_TLS_ADDRESS = "echoloop.tls.reload";

  /** How often the certificate and key files are checked for a renewal. */
  static final long CERTIFICATE_CHECK_MILLIS = 5_000;

  /** Vert.x gives each instance its own random port for 0, but shares a negative port under one random port. */
  private static final int SHARED_RANDOM_PORT = -1;

  private final EchoConfig givenConfig;
  private EchoConfig config;
  private ServerGroup group;
  private NetServer server;
  private ByteBuf replyPrefix;
  private Buffer busyMessage;
  private EchoMetrics metrics;

  /** For the launcher, which deploys by class name: the configuration comes in the deployment's config. */
  public TcpServerVerticle() {
    this(null);
  }

  public TcpServerVerticle(EchoConfig config) {
    this.givenConfig = config;
  }

  @Override
  public Future<?> start() {
    config = givenConfig != null ? givenConfig : EchoConfig.fromJson(config());
    group = ServerGroup.of(vertx, deploymentID());
    // Each instance runs on one event loop, so the thread name in every reply is known before the first message.
    String eventLoop = Thread.currentThread().getName();
    byte[] prefix = (eventLoop + ": ").getBytes(StandardCharsets.UTF_8);
    // Direct, as Netty would copy a heap buffer into direct memory on every write; shared, so nobody may release it.
    replyPrefix = Unpooled.unreleasableBuffer(Unpooled.directBuffer(prefix.length).writeBytes(prefix));
    metrics = new EchoMetrics(eventLoop);
    busyMessage = config.framing().errorMessage("ERR server busy");
    NetServerOptions options = new NetServerOptions()
      .setTcpNoDelay(true)
      // Idle means nothing received: watching writes too would hang a listener on every reply's write.
      .setReadIdleTimeout(config.idleTimeoutSeconds())
      .setIdleTimeoutUnit(TimeUnit.SECONDS);
    if (config.tls().enabled()) {
      TlsSettings.applyTo(options, config.tls());
      vertx.eventBus().localConsumer(RELOAD_TLS_ADDRESS, reload -> reloadCertificate());
      watchCertificateFiles();
    }
    server = vertx.createNetServer(options)
      .connectHandler(this::accept)
      .exceptionHandler(failure -> {
        metrics.rejected(Rejection.TLS);
        log.debug("connection failed before it was accepted (TLS handshake?): {}", failure.toString());
      });
    int port = config.port() == 0 ? SHARED_RANDOM_PORT : config.port();
    return server.listen(port, config.host())
      .onSuccess(bound -> group.listening(bound.actualPort()))
      // One line an operator can act on ("Address already in use"), not a bind stack trace from the launcher.
      .recover(failure -> Future.failedFuture(new InvalidConfigException(
        "cannot listen on " + config.host() + ":" + config.port() + ": " + failure.getMessage())));
  }

  /**
   * Renewal tools (certbot, cert-manager) replace the files in place; a changed modification time reloads them, so a
   * renewal needs neither a restart nor a signal.
   */
  private void watchCertificateFiles() {
    long[] seen = {certificateFilesModified()};
    vertx.setPeriodic(CERTIFICATE_CHECK_MILLIS, check -> {
      long modified = certificateFilesModified();
      if (modified != seen[0]) {
        seen[0] = modified;
        reloadCertificate();
      }
    });
  }

  private long certificateFilesModified() {
    return new File(config.tls().certPath()).lastModified() + new File(config.tls().keyPath()).lastModified();
  }

  /** Re-reads the certificate and key files; connections already open keep the certificate they started with. */
  private void reloadCertificate() {
    try {
      server.updateSSLOptions(TlsSettings.server(config.tls()), true).onComplete(
        updated -> log.info("TLS certificate reloaded from {}", config.tls().certPath()),
        failure -> log.error("TLS certificate reload failed, keeping the previous one: {}", failure.getMessage()));
    } catch (InvalidConfigException e) {
      log.error("TLS certificate reload failed, keeping the previous one: {}", e.getMessage());
    }
  }

  /**
   * Undeploying would close the server abruptly; shutting it down instead lets connected clients finish, up to the
   * configured timeout, while new connections are refused.
   */
  @Override
  public Future<?> stop() {
    if (group.shuttingDown()) {
      log.info("echoloop shutting down: refusing new connections, open ones get up to {} s to finish",
        config.shutdownTimeoutSeconds());
    }
    return server.shutdown(config.shutdownTimeoutSeconds(), TimeUnit.SECONDS).onComplete(done -> group.stopped());
  }

  private void accept(NetSocket socket) {
    if (!group.tryOpen(config.maxConnections())) {
      log.debug("refused connection from {}: {} connections open", socket.remoteAddress(), config.maxConnections());
      metrics.rejected(Rejection.BUSY);
      socket.write(busyMessage);
      socket.close();
      return;
    }
    metrics.connectionOpened();
    new EchoConnection(socket, config, replyPrefix, metrics).serve(() -> {
      metrics.connectionClosed();
      group.closed();
    });
  }
}
