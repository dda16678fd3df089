package dev.echoloop.ops;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * Routes a part of echoloop adds to the admin server, beside {@code /metrics}, {@code /health} and {@code /ready}: the
 * live view's static page ({@code StaticHandler}) and its event stream, for example. The part that counts or serves
 * connections never touches HTTP; it hands one of these to {@link AdminVerticle}.
 */
@FunctionalInterface
public interface AdminRoutes {

  /**
   * Adds this part's routes. Called once, on the admin verticle's event loop, before the admin server listens; a path
   * the admin server already serves is answered by the admin server, as its routes come first.
   *
   * @param router the admin server's router
   * @param vertx  the Vert.x instance the admin server runs on, for timers and the event bus
   */
  void addTo(Router router, Vertx vertx);
}
