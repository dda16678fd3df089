package dev.echoloop.ops;

import dev.echoloop.config.AdminConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.PrometheusRequestHandler;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server: {@code /metrics} (Prometheus), {@code /health} (the process is alive) and {@code /ready} (the
 * echo server accepts connections). It stays up until the echo server has drained, so a load balancer polling
 * {@code /ready} sees 503 for the whole graceful shutdown.
 */
public final class AdminVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(AdminVerticle.class);

  private final AdminConfig config;
  private final Readiness readiness;
  private HttpServer server;
  private Handler<HttpServerRequest> metrics;

  public AdminVerticle(AdminConfig config, Readiness readiness) {
    this.config = config;
    this.readiness = readiness;
  }

  @Override
  public Future<?> start() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    // Without the registry Vert.x fills, PrometheusRequestHandler.create() would serve a new, empty one.
    metrics = registry instanceof PrometheusMeterRegistry prometheus ? PrometheusRequestHandler.create(prometheus) : null;
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(config.port(), config.host())
      .onSuccess(bound -> log.info("admin listening on http://{}:{} (/metrics, /health, /ready)", config.host(), bound.actualPort()));
  }

  @Override
  public Future<?> stop() {
    return readiness.drained().eventually(() -> server.close());
  }

  public int actualPort() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest request) {
    switch (request.path()) {
      case "/metrics" -> {
        if (metrics != null) {
          metrics.handle(request);
        } else {
          respond(request, 503, new JsonObject().put("error", "metrics are not enabled"));
        }
      }
      case "/health" -> respond(request, 200, new JsonObject().put("status", "UP"));
      case "/ready" -> {
        String notReady = readiness.notReadyReason();
        respond(request, notReady == null ? 200 : 503, notReady == null
          ? new JsonObject().put("status", "READY")
          : new JsonObject().put("status", "NOT_READY").put("reason", notReady));
      }
      default -> respond(request, 404, new JsonObject().put("error", "not found: " + request.path()));
    }
  }

  private static void respond(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  /** What the admin server asks the echo server. */
  public interface Readiness {

    /** Null while the echo server accepts connections; otherwise why not. */
    String notReadyReason();

    /** Completes when every echo server instance has finished its shutdown. */
    Future<Void> drained();
  }
}
