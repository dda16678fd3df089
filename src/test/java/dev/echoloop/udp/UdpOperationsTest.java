package dev.echoloop.udp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.ops.AdminVerticle;
import dev.echoloop.ops.Metrics;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** UDP as an operator sees it: its series in the scrape, and {@code /ready} answering for it. */
@Timeout(60)
class UdpOperationsTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private Vertx vertx;
  private UdpServerDeployment udp;
  private int adminPort;

  @BeforeEach
  void deployTcpUdpAndAdmin() throws Exception {
    vertx = Vertx.builder().with(Metrics.enable(new VertxOptions())).build();
    EchoConfig config = TestConfigs.loopback(1)
      .with("admin", new JsonObject().put("port", 0))
      .with("udp", new JsonObject().put("enabled", true).put("port", 0));
    TcpServerDeployment tcp = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    udp = UdpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    AdminVerticle admin = tcp.startAdmin(config.admin(), List.of(), List.of(udp.readiness())).await(10, TimeUnit.SECONDS);
    adminPort = admin.actualPort();
  }

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void scrapeCountsDatagramsRepliesAndDropsByReason() throws Exception {
    try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      client.setSoTimeout(5000);
      byte[] ping = "ping".getBytes(StandardCharsets.UTF_8);
      client.send(new DatagramPacket(ping, ping.length, InetAddress.getLoopbackAddress(), udp.port()));
      client.receive(new DatagramPacket(new byte[2048], 2048));
    }
    await().untilAsserted(() -> assertThat(udp.replies()).isEqualTo(1));

    String scrape = get("/metrics").body();

    assertThat(scrape)
      .containsPattern("(?m)^echoloop_udp_datagrams_total\\{event_loop=\"vert\\.x-eventloop-thread-\\d+\"} ")
      .containsPattern("(?m)^echoloop_udp_replies_total\\{event_loop=\"vert\\.x-eventloop-thread-\\d+\"} ")
      .contains("echoloop_udp_too_long_total{")
      .contains("reason=\"source_rate\"", "reason=\"global_rate\"", "reason=\"privileged_port\"",
        "reason=\"source_table_full\"", "reason=\"send_queue_full\"");
  }

  @Test
  void readyTurns503WhenTheUdpServerShutsDownEvenWhileTcpServes() throws Exception {
    assertThat(get("/ready").statusCode()).isEqualTo(200);

    udp.undeploy().await(10, TimeUnit.SECONDS);

    HttpResponse<String> ready = get("/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).isEqualTo("{\"status\":\"NOT_READY\",\"reason\":\"shutting down\"}");
  }

  private HttpResponse<String> get(String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
