package dev.echoloop.tcp;

import dev.echoloop.config.AdminConfig;
import dev.echoloop.config.EchoConfig;

import dev.echoloop.ops.AdminRoutes;
import dev.echoloop.ops.AdminVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * One running echo server: all the {@link TcpServerVerticle} instances of one deployment, and the port they share.
 *
 * @param vertx        the Vert.x instance it is deployed on
 * @param deploymentId the deployment of all its instances
 * @param host         the address actually bound (for a host name, the one it resolved to)
 * @param port         the port every instance shares
 */
public record TcpServerDeployment(Vertx vertx, String deploymentId, String host, int port) {

  private static final Logger log = LoggerFactory.getLogger(TcpServerDeployment.class);

  /** Deploys {@code config.instances()} server instances and announces the address they listen on. */
  public static Future<TcpServerDeployment> deploy(Vertx vertx, EchoConfig config) {
    return vertx.deployVerticle(() -> new TcpServerVerticle(config), new DeploymentOptions().setInstances(config.instances()))
      .map(id -> announce(vertx, id, config));
  }

  /**
   * Logs the address a deployment (made here or by the launcher) actually listens on, which for a host name is the one
   * address it resolved to, and describes it.
   */
  public static TcpServerDeployment announce(Vertx vertx, String deploymentId, EchoConfig config) {
    ServerGroup group = ServerGroup.of(vertx, deploymentId);
    int instances = config.instances();
    String transport = vertx.isNativeTransportEnabled() ? config.transport().resolve().name() : "nio";
    log.info("echoloop listening on {}:{} ({} instance{}, {} framing, {} transport)", group.host(), group.port(),
      instances, instances == 1 ? "" : "s", EchoConfig.lowerCase(config.framing()), transport);
    return new TcpServerDeployment(vertx, deploymentId, group.host(), group.port());
  }

  /** Starts the admin HTTP server (metrics, health, readiness) for this server; it stops after the server drains. */
  public Future<AdminVerticle> startAdmin(AdminConfig admin) {
    return startAdmin(admin, List.of());
  }

  /**
   * Starts the admin HTTP server with further routes beside metrics, health and readiness.
   *
   * @param routes what other parts serve on the admin port (the live view, its event stream), added in this order
   */
  public Future<AdminVerticle> startAdmin(AdminConfig admin, List<AdminRoutes> routes) {
    return startAdmin(admin, routes, List.of());
  }

  /**
   * Starts the admin HTTP server for this server and the servers beside it.
   *
   * @param routes    what other parts serve on the admin port, added in this order
   * @param alongside the readiness of other servers of the process (the UDP server): {@code /ready} needs every one of
   *                  them, and the admin server stops after all of them have drained
   */
  public Future<AdminVerticle> startAdmin(AdminConfig admin, List<AdminRoutes> routes,
                                          List<AdminVerticle.Readiness> alongside) {
    List<AdminVerticle.Readiness> parts = new ArrayList<>();
    parts.add(ServerGroup.of(vertx, deploymentId));
    parts.addAll(alongside);
    AdminVerticle verticle = new AdminVerticle(admin, AdminVerticle.Readiness.allOf(parts), routes);
    return vertx.deployVerticle(verticle).map(id -> verticle);
  }

  /** Connections open right now across all instances. */
  public int openConnections() {
    return ServerGroup.of(vertx, deploymentId).openConnections();
  }

  /** Undeploys every instance; each one shuts its server down gracefully. */
  public Future<Void> undeploy() {
    return vertx.undeploy(deploymentId).onComplete(done -> ServerGroup.forget(vertx, deploymentId));
  }
}
