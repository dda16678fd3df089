package dev.echoloop.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code admin.finalScrapeSeconds}: after the drain, the admin server waits for one more scrape, so that Prometheus
 * records the replies a node wrote after its last regular scrape.
 */
@Timeout(60)
class FinalScrapeTest {

  // HTTP/1.1, as Prometheus scrapes.
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Vertx vertx;

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void afterTheDrainTheAdminServerServesOneMoreScrapeWithTheFinalCountThenCloses() throws Exception {
    Node node = start(30);
    try (BlockingClient client = new BlockingClient(node.server.port())) {
      assertThat(client.send("last\n").readLine()).endsWith(": last");
    }
    Future<Void> adminStopped = vertx.undeploy(node.admin.deploymentID());
    node.server.undeploy().await(10, TimeUnit.SECONDS);

    // Drained, and still up: the final scrape sees the reply written after any earlier one.
    HttpResponse<String> scrape = get(node, "/metrics");
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).containsPattern("(?m)^echoloop_replies_total\\{[^}]*} 1\\.0$");
    // Far sooner than the 30 s allowed: the scrape it waited for has been served.
    adminStopped.await(10, TimeUnit.SECONDS);
  }

  @Test
  void withoutAScrapeTheAdminServerClosesWhenFinalScrapeSecondsHavePassed() throws Exception {
    Node node = start(1);
    Future<Void> adminStopped = vertx.undeploy(node.admin.deploymentID());
    node.server.undeploy().await(10, TimeUnit.SECONDS);
    long drained = System.nanoTime();

    adminStopped.await(10, TimeUnit.SECONDS);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drained)).isGreaterThanOrEqualTo(900);
  }

  private Node start(int finalScrapeSeconds) throws Exception {
    vertx = Vertx.builder().with(Metrics.enable(new VertxOptions())).build();
    EchoConfig config = TestConfigs.loopback(1).with("framing", "line")
      .with("admin", new JsonObject().put("port", 0).put("finalScrapeSeconds", finalScrapeSeconds));
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    return new Node(server, server.startAdmin(config.admin()).await(10, TimeUnit.SECONDS));
  }

  private HttpResponse<String> get(Node node, String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + node.admin.actualPort() + path);
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }

  private record Node(TcpServerDeployment server, AdminVerticle admin) {
  }
}
