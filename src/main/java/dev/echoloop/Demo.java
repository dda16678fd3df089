package dev.echoloop;

import dev.echoloop.client.ClientException;
import dev.echoloop.client.ClientVerticle;
import dev.echoloop.config.ConfigLoader;
import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.InvalidConfigException;
import dev.echoloop.ops.NeverBlockingAppender;
import dev.echoloop.tcp.TcpServerDeployment;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Python example's {@code __main__}, start to end: a server on a free port, three clients, then the shutdown.
 *
 * <p>Exits 0 when all three replies arrived, 1 otherwise. The process ends by itself because closing Vert.x stops every
 * event-loop thread (the Python example needed a daemon thread for the same effect).
 */
public final class Demo {

  private static final Logger log = LoggerFactory.getLogger(Demo.class);

  private Demo() {
  }

  public static void main(String[] args) {
    int exitCode = run(ConfigLoader.forProcess());
    // Logging goes through a queue whose worker is a daemon thread, which the exit would stop with lines still queued.
    NeverBlockingAppender.flushAndStop();
    System.exit(exitCode);
  }

  static int run(ConfigLoader configLoader) {
    EchoConfig config;
    Vertx vertx;
    try {
      // As in the Python example, port 0: any free port, whatever the configuration says; and a demonstration's output
      // is its replies, not an access log.
      config = configLoader.load(null).withPort(0).with("accessLog", false);
      vertx = Vertx.builder().withTransport(config.transport().resolve()).build();
    } catch (InvalidConfigException e) {
      log.error("{}", e.getMessage());
      return 1;
    }
    try {
      TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await();
      String client = vertx.deployVerticle(new ClientVerticle(config.withPort(server.port()))).await();
      vertx.undeploy(client).await();
      server.undeploy().await();
      return 0;
    } catch (ClientException e) {
      log.error("{}", e.getMessage());
      return 1;
    } finally {
      vertx.close().await();
    }
  }
}
