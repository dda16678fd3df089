package dev.echoloop.live;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.ops.AdminVerticle;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An echo server with line framing on two event loops, and its admin server with the live view on a port the OS chose.
 *
 * @param server    the echo server
 * @param admin     the admin server
 * @param adminPort the admin server's port
 */
record LiveServer(TcpServerDeployment server, AdminVerticle admin, int adminPort) {

  /**
   * @param maxViewers             the most viewers of {@code /events}
   * @param periodMillis           how often events are sent, in ms
   * @param shutdownTimeoutSeconds how long a drain lasts at most
   */
  static LiveServer start(Vertx vertx, int maxViewers, long periodMillis, int shutdownTimeoutSeconds)
    throws TimeoutException {
    return start(vertx, config().with("shutdownTimeoutSeconds", shutdownTimeoutSeconds), maxViewers, periodMillis);
  }

  /** The configuration {@link #start} uses, to change before starting with it. */
  static EchoConfig config() {
    return TestConfigs.loopback(2)
      .with("framing", "line")
      .with("admin", new JsonObject().put("port", 0));
  }

  static LiveServer start(Vertx vertx, EchoConfig config, int maxViewers, long periodMillis) throws TimeoutException {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    AdminVerticle admin = server.startAdmin(config.admin(), List.of(new LiveView(server, maxViewers, periodMillis)))
      .await(10, TimeUnit.SECONDS);
    return new LiveServer(server, admin, admin.actualPort());
  }

  /** Drains and stops the echo server, then the admin server, which closes every viewer's stream. */
  void stop() throws TimeoutException {
    server.undeploy().compose(drained -> server.vertx().undeploy(admin.deploymentID())).await(20, TimeUnit.SECONDS);
  }

  String url(String path) {
    return "http://127.0.0.1:" + adminPort + path;
  }
}
