package dev.echoloop.ops;

import dev.echoloop.config.AdminConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;

/**
 * The admin HTTP server, on a vertx-web {@link Router}: {@code /metrics} (Prometheus), {@code /health} (the process is
 * alive), {@code /ready} (the echo server accepts connections), and whatever routes the {@link AdminRoutes} it is given
 * add. It stays up until the echo server has drained, so a load balancer polling {@code /ready} sees 503 for the whole
 * graceful shutdown, and then, with {@code admin.finalScrapeSeconds}, until Prometheus has scraped the final counts.
 *
 * <p>{@code /health} and {@code /ready} run vertx-health-check procedures; their answers keep the short form the README
 * documents and load balancers are configured against ({@code {"status":"READY"}}), rather than the library's
 * {@code HealthCheckHandler} report.
 */
public final class AdminVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(AdminVerticle.class);

  /** The health-check procedure behind {@code /ready}; its {@code reason} is the echo server's. */
  private static final String ECHO_SERVER = "echo-server";

  private final AdminConfig config;
  private final Readiness readiness;
  private final List<AdminRoutes> routes;
  private HttpServer server;
  private boolean metricsEnabled;
  /** Set once the echo server has drained: completed by the next scrape that has been sent in full. */
  private Promise<Void> finalScrape;

  /**
   * @param config    where to listen
   * @param readiness what {@code /ready} reports, and what the admin server waits for before it stops
   * @param routes    further routes, added after the admin server's own
   */
  public AdminVerticle(AdminConfig config, Readiness readiness, List<AdminRoutes> routes) {
    this.config = config;
    this.readiness = readiness;
    this.routes = List.copyOf(routes);
  }

  @Override
  public Future<?> start() {
    HealthChecks health = HealthChecks.create(vertx).register("process", alive -> alive.complete(Status.OK()));
    HealthChecks ready = HealthChecks.create(vertx).register(ECHO_SERVER, check -> {
      String notReady = readiness.notReadyReason();
      check.complete(notReady == null ? Status.OK() : Status.KO(new JsonObject().put("reason", notReady)));
    });
    Router router = Router.router(vertx);
    router.get("/metrics").handler(noticingScrapes(metricsHandler()));
    router.get("/health").handler(request -> answer(request, health, "UP", "DOWN"));
    router.get("/ready").handler(request -> answer(request, ready, "READY", "NOT_READY"));
    routes.forEach(contributor -> contributor.addTo(router, vertx));
    router.errorHandler(404, request -> respond(request, 404, new JsonObject().put("error", "not found: " + request.normalizedPath())));
    // Without these, vertx-web logs a stack trace at ERROR for every such request: a client could flood the log.
    // A path or query that cannot be percent-decoded fails inside the router's matching, with no failure recorded.
    router.errorHandler(400, request -> respond(request, 400, new JsonObject().put("error", "bad request: "
      + (request.failure() == null ? "cannot decode " + request.request().uri() : request.failure().toString()))));
    router.errorHandler(500, request -> {
      log.error("admin request {} failed: {}", request.request().path(), String.valueOf(request.failure()));
      respond(request, 500, new JsonObject().put("error", "internal error: " + request.failure()));
    });
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(config.port(), config.host())
      .onSuccess(bound -> log.info("admin listening on http://{}:{} (/metrics, /health, /ready)", config.host(), bound.actualPort()));
  }

  /**
   * Waits for the echo server to drain, then, with {@code admin.finalScrapeSeconds}, for one more scrape or that many
   * seconds, whichever comes first: replies written after the last scrape would otherwise never reach Prometheus, and a
   * fleet's reply count would fall short by a scrape interval of traffic for every restart.
   */
  @Override
  public Future<?> stop() {
    Promise<Void> scraped = Promise.promise();
    // drained() completes on an echo server's event loop, whose context is closing; the final-scrape timer and
    // finalScrape itself belong on this verticle's own.
    readiness.drained().onComplete(drained -> context.runOnContext(now -> awaitFinalScrape().onComplete(scraped)));
    return scraped.future().eventually(() -> server.close());
  }

  private Future<Void> awaitFinalScrape() {
    if (config.finalScrapeSeconds() == 0 || !metricsEnabled) {
      return Future.succeededFuture();
    }
    finalScrape = Promise.promise();
    long timer = vertx.setTimer(config.finalScrapeSeconds() * 1000L, fired -> finalScrape.tryComplete());
    return finalScrape.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  /** Once the drain is over, the end of a scrape's body on the wire completes {@link #finalScrape}. */
  private Handler<RoutingContext> noticingScrapes(Handler<RoutingContext> metrics) {
    return request -> {
      Promise<Void> waiting = finalScrape;
      if (waiting != null) {
        request.addBodyEndHandler(sent -> waiting.tryComplete());
      }
      metrics.handle(request);
    };
  }

  /** The port the admin server bound: {@code admin.port}, or the one the OS chose for 0. */
  public int actualPort() {
    return server.actualPort();
  }

  private Handler<RoutingContext> metricsHandler() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    // The registry Vert.x fills; PrometheusScrapingHandler.create() without it would serve a new, empty one.
    if (registry instanceof PrometheusMeterRegistry prometheus) {
      NeverBlockingAppender.registerDropCounter(prometheus);
      metricsEnabled = true;
      return PrometheusScrapingHandler.create(prometheus);
    }
    return request -> respond(request, 503, new JsonObject().put("error", "metrics are not enabled"));
  }

  /** 200 and {@code {"status":up}} when every procedure is up; otherwise 503, the status, and the first reason given. */
  private static void answer(RoutingContext request, HealthChecks checks, String up, String down) {
    checks.checkStatus().onComplete(
      result -> {
        if (CheckResult.isUp(result)) {
          respond(request, 200, new JsonObject().put("status", up));
        } else {
          respond(request, 503, new JsonObject().put("status", down).put("reason", reason(result)));
        }
      },
      failure -> respond(request, 503, new JsonObject().put("status", down).put("reason", failure.toString())));
  }

  private static String reason(CheckResult result) {
    return (result.getChecks() == null ? List.<CheckResult>of() : result.getChecks()).stream()
      .filter(check -> !check.getUp())
      .map(CheckResult::getData)
      .filter(Objects::nonNull)
      .map(data -> data.getString("reason", data.getString("cause")))
      .filter(Objects::nonNull)
      .findFirst()
      .orElse("a health check failed");
  }

  private static void respond(RoutingContext request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  /** What the admin server asks the echo server. */
  public interface Readiness {

    /** Null while the echo server accepts connections; otherwise why not. */
    String notReadyReason();

    /** Completes when every echo server instance has finished its shutdown. */
    Future<Void> drained();

    /** Ready when every part is (the TCP and the UDP server); drained when every part is. */
    static Readiness allOf(List<Readiness> parts) {
      return new Readiness() {
        @Override
        public String notReadyReason() {
          return parts.stream().map(Readiness::notReadyReason).filter(Objects::nonNull).findFirst().orElse(null);
        }

        @Override
        public Future<Void> drained() {
          return Future.all(parts.stream().map(Readiness::drained).toList()).mapEmpty();
        }
      };
    }
  }
}
