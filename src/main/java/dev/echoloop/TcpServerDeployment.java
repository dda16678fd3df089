package dev.echoloop;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running echo server: all the {@link TcpServerVerticle} instances of one deployment, and the port they share.
 */
public record TcpServerDeployment(Vertx vertx, String deploymentId, String host, int port, int instances) {

  private static final Logger log = LoggerFactory.getLogger(TcpServerDeployment.class);

  /** Where each deployment's instances record the port they bound, so the deployer can announce it once. */
  private static final String BOUND_PORTS = "echoloop.bound-ports";

  /** Deploys {@code config.instances()} server instances and announces the address they listen on. */
  public static Future<TcpServerDeployment> deploy(Vertx vertx, EchoConfig config) {
    return vertx.deployVerticle(() -> new TcpServerVerticle(config), new DeploymentOptions().setInstances(config.instances()))
      .map(id -> announce(vertx, id, config.host(), config.instances()));
  }

  /** Logs the listening address of a deployment the launcher made, and describes it. */
  static TcpServerDeployment announce(Vertx vertx, String deploymentId, String host, int instances) {
    Integer port = boundPorts(vertx).get(deploymentId);
    log.info("echoloop listening on {}:{} ({} instance{})", host, port, instances, instances == 1 ? "" : "s");
    return new TcpServerDeployment(vertx, deploymentId, host, port, instances);
  }

  static void recordPort(Vertx vertx, String deploymentId, int port) {
    boundPorts(vertx).put(deploymentId, port);
  }

  /** Undeploys every instance; each one shuts its server down gracefully. */
  public Future<Void> undeploy() {
    return vertx.undeploy(deploymentId).onComplete(done -> boundPorts(vertx).remove(deploymentId));
  }

  private static LocalMap<String, Integer> boundPorts(Vertx vertx) {
    return vertx.sharedData().getLocalMap(BOUND_PORTS);
  }
}
