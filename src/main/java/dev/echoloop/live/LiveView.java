package dev.echoloop.live;

import dev.echoloop.ops.AdminRoutes;
import dev.echoloop.tcp.TcpServerDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The live view on the admin server: {@code GET /} is a page (HTML, CSS and plain JavaScript modules from the jar's
 * {@code echoloop-live/} resources) showing the server, one panel per event loop and the busiest open connections,
 * updated once a second from {@code GET /events} (Server-Sent Events); {@code GET /connections} is the same connection
 * table as JSON. It exposes client addresses and counts, never payload bytes.
 *
 * <p>It costs nothing while no one looks: the server keeps no state for it but the counters it has anyway, and
 * snapshots are taken only when a viewer or a script asks.
 */
public final class LiveView implements AdminRoutes {

  /** The most browsers watching {@code /events} at once; one more is answered 503. */
  public static final int MAX_VIEWERS = 16;
  /** How often the page is updated, in ms. */
  public static final long PERIOD_MILLIS = 1_000;
  /** The jar resource directory of the page. */
  static final String WEBROOT = "echoloop-live";
  /** The page loads only its own files, so nothing it shows can pull in a script from elsewhere. */
  private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:";

  private final TcpServerDeployment server;
  private final int maxViewers;
  private final long periodMillis;

  public LiveView(TcpServerDeployment server) {
    this(server, MAX_VIEWERS, PERIOD_MILLIS);
  }

  /**
   * @param maxViewers   the most viewers of {@code /events} at once
   * @param periodMillis how often events are sent, and how long a snapshot is shared, in ms
   */
  public LiveView(TcpServerDeployment server, int maxViewers, long periodMillis) {
    this.server = server;
    this.maxViewers = maxViewers;
    this.periodMillis = periodMillis;
  }

  @Override
  public void addTo(Router router, Vertx vertx) {
    // A snapshot is shared for half a period, so that each period's event still gets a fresh one.
    Sampler sampler = new Sampler(server, periodMillis / 2);
    EventStream events = new EventStream(vertx, sampler, maxViewers, periodMillis);
    router.get("/events").handler(events::open);
    router.get("/connections").handler(request -> sampler.sample().onComplete(
      sample -> request.json(LiveJson.table(sample.snapshot())),
      request::fail));
    router.route(HttpMethod.GET, "/*")
      .handler(LiveView::securityHeaders)
      // No caching: the page is small and local, and a browser must not keep an old version's script after an upgrade.
      .handler(StaticHandler.create(WEBROOT).setCachingEnabled(false));
  }

  private static void securityHeaders(RoutingContext request) {
    request.response()
      .putHeader("content-security-policy", CONTENT_SECURITY_POLICY)
      .putHeader("x-content-type-options", "nosniff");
    request.next();
  }
}
