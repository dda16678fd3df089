package dev.echoloop.tcp;

import dev.echoloop.config.TlsConfig;
import dev.echoloop.config.TlsSettings;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Reloads the TLS certificate of one server deployment, once for all its instances: when its files change, and when a
 * message arrives on {@link TcpServerVerticle#RELOAD_TLS_ADDRESS} (the launcher sends one on SIGHUP).
 *
 * <p>One watcher per deployment, because the instances share one listening server: concurrent
 * {@code updateSSLOptions} calls on it recurse inside Vert.x 5.0.7 until a {@code StackOverflowError}. Reloads run one
 * at a time; a request that arrives during a reload runs once more after it. File stats and the certificate checks run
 * on worker threads (Vert.x's file system and {@code executeBlocking}), never on an event loop.
 */
final class CertificateWatcher extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(CertificateWatcher.class);
  /** What a file that cannot be stat'ed contributes to the signature; the reload then says why it is unreadable. */
  private static final String ABSENT = "absent";

  private final NetServer server;
  private final TlsConfig tls;
  private final long checkMillis;
  /** The files' signature when they were last read (or read and refused). */
  private String loaded;
  /** The files' signature at the previous check: a change is reloaded once it has held for one whole period. */
  private String seen;
  private boolean reloading;
  private String pendingReason;
  private long timer;
  private boolean stopped;

  /**
   * @param server      any instance's server: Vert.x forwards the update to the one that owns the shared port
   * @param checkMillis how often the certificate, key and client CA files are checked for a change, in ms
   */
  CertificateWatcher(NetServer server, TlsConfig tls, long checkMillis) {
    this.server = server;
    this.tls = tls;
    this.checkMillis = checkMillis;
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().localConsumer(TcpServerVerticle.RELOAD_TLS_ADDRESS, request -> reload("reload requested"));
    return signature().onSuccess(current -> {
      loaded = current;
      seen = current;
      scheduleCheck();
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  /** Renewal tools (certbot, cert-manager) replace the files; a change reloads them without a restart or a signal. */
  private void scheduleCheck() {
    // A timer per check rather than a periodic one: a slow file system never stacks checks up.
    timer = vertx.setTimer(checkMillis, fired -> signature().onSuccess(current -> {
      if (!current.equals(loaded) && current.equals(seen)) {
        loaded = current;
        reload("files changed");
      }
      seen = current;
      if (!stopped) {
        scheduleCheck();
      }
    }));
  }

  private void reload(String reason) {
    if (reloading) {
      pendingReason = reason;
      return;
    }
    reloading = true;
    signature()
      .compose(current -> {
        // What is read now is what the file check would otherwise reload again later.
        loaded = current;
        seen = current;
        // The checks stat the files; Vert.x then reads and parses them on a worker thread as well.
        return vertx.executeBlocking(() -> TlsSettings.server(tls));
      })
      .compose(options -> server.updateSSLOptions(options, true))
      .onComplete(updated -> log.info("TLS certificate reloaded from {} ({})", tls.certPath(), reason),
        failure -> log.error("TLS certificate reload failed, keeping the previous one: {}", failure.toString()))
      .onComplete(done -> {
        reloading = false;
        String next = pendingReason;
        pendingReason = null;
        if (next != null && !stopped) {
          reload(next);
        }
      });
  }

  /** The modification time and size of each watched file, read through Vert.x's asynchronous file system. */
  private Future<String> signature() {
    List<Future<String>> parts = new ArrayList<>();
    for (String path : List.of(tls.certPath(), tls.keyPath(), tls.clientCaPath())) {
      if (!path.isEmpty()) {
        parts.add(vertx.fileSystem().props(path)
          .map(props -> props.lastModifiedTime() + ":" + props.size())
          .otherwise(ABSENT));
      }
    }
    return Future.all(parts).map(all -> String.join(",", all.<String>list()));
  }
}
