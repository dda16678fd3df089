package dev.echoloop.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code shutdownDelaySeconds}, the Kubernetes preStop pattern: on shutdown {@code /ready} turns 503 at once while new
 * connections are still accepted and served; only after the delay does the graceful shutdown close the port.
 */
@Timeout(60)
class ShutdownDelayTest {

  private static final int DELAY_SECONDS = 2;

  private final HttpClient http = HttpClient.newHttpClient();
  private final Vertx vertx = Vertx.builder().with(Metrics.enable(new VertxOptions())).build();

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void readyIs503WhileNewConnectionsAreStillServedThenThePortCloses() throws Exception {
    EchoConfig config = TestConfigs.loopback(2).with("framing", "line").with("shutdownDelaySeconds", DELAY_SECONDS)
      .with("admin", new JsonObject().put("port", 0));
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    int adminPort = server.startAdmin(config.admin()).await(10, TimeUnit.SECONDS).actualPort();
    assertThat(ready(adminPort)).isEqualTo(200);

    long shutdownStarted = System.nanoTime();
    Future<Void> undeployed = server.undeploy();
    await().untilAsserted(() -> assertThat(ready(adminPort)).isEqualTo(503));
    try (BlockingClient latecomer = new BlockingClient(server.port())) {
      assertThat(latecomer.send("still in rotation?\n").readLine()).endsWith(": still in rotation?");
    }
    assertThat(elapsedMillis(shutdownStarted)).isLessThan(TimeUnit.SECONDS.toMillis(DELAY_SECONDS));

    await().atMost(Duration.ofSeconds(DELAY_SECONDS + 8))
      .untilAsserted(() -> assertThatThrownBy(() -> new BlockingClient(server.port()).close()).isInstanceOf(IOException.class));
    assertThat(elapsedMillis(shutdownStarted)).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toMillis(DELAY_SECONDS));
    undeployed.await(10, TimeUnit.SECONDS);
  }

  private static long elapsedMillis(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  private int ready(int adminPort) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ready")).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
