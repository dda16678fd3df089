package dev.echoloop.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * /metrics as Prometheus scrapes it from every node of a fleet: valid by Prometheus's own checker, and labelled so that
 * series add up across nodes (Prometheus adds {@code instance}) without one series per client.
 */
@Timeout(60)
class FleetMetricsTest {

  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)})? \\S+$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  private final HttpClient http = HttpClient.newHttpClient();
  private Vertx vertx;
  private TcpServerDeployment server;
  private int adminPort;

  @BeforeEach
  void deployServerWithAdminAndServeSomeTraffic() throws Exception {
    vertx = Vertx.builder().with(Metrics.enable(new VertxOptions())).build();
    EchoConfig config = TestConfigs.loopback(2).with("framing", "line").with("maxFrameBytes", 16).with("nodeName", "node-7")
      .with("admin", new JsonObject().put("port", 0));
    server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    adminPort = server.startAdmin(config.admin()).await(10, TimeUnit.SECONDS).actualPort();
    // A reply and a rejection, so that the counters and Vert.x's connection series have samples.
    for (int client = 0; client < 4; client++) {
      try (BlockingClient echo = new BlockingClient(server.port())) {
        assertThat(echo.send("hello\n").readLine()).endsWith(": hello");
      }
    }
    try (BlockingClient tooLong = new BlockingClient(server.port())) {
      assertThat(tooLong.send("x".repeat(40) + "\n").readLine()).startsWith("ERR frame too long");
    }
  }

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void promtoolCheckMetricsFindsNoProblemInAScrape() throws Exception {
    String scrape = scrape();
    Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = promtool.getOutputStream()) {
      in.write(scrape.getBytes(StandardCharsets.UTF_8));
    }
    assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).as("promtool ends within 30 s").isTrue();
    String problems = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(problems).as("promtool check metrics on:\n%s", scrape).isEmpty();
    assertThat(promtool.exitValue()).isZero();
    assertThat(scrape).contains("echoloop_replies_total{", "vertx_net_server_active_connections");
  }

  @Test
  void echoloopSeriesAreLabelledByEventLoopAndNoSeriesByClient() {
    String scrape = scrape();
    Set<String> echoloopLabels = new TreeSet<>();
    Set<String> allLabels = new TreeSet<>();
    Matcher sample = SAMPLE.matcher(scrape);
    while (sample.find()) {
      Set<String> labels = new TreeSet<>();
      Matcher label = LABEL.matcher(sample.group(2) == null ? "" : sample.group(2));
      while (label.find()) {
        labels.add(label.group(1));
      }
      allLabels.addAll(labels);
      // Build info and dropped log lines belong to the process, not to an event loop.
      if (sample.group(1).startsWith("echoloop_") && !sample.group(1).equals("echoloop_build_info")
        && !sample.group(1).equals("echoloop_log_dropped_total")) {
        assertThat(labels).as("labels of %s", sample.group(0)).contains("event_loop");
        echoloopLabels.addAll(labels);
      }
    }

    // Every label has a small fixed set of values: the event loops, the reasons, the faults of echoloop_faults_total.
    assertThat(echoloopLabels).containsExactlyInAnyOrder("event_loop", "reason", "fault");
    // A client's address or port in a label would make one series per client: unbounded, and useless across nodes.
    assertThat(allLabels).doesNotContain("remote", "client", "peer", "local");
    assertThat(scrape).doesNotContainPattern("=\"127\\.0\\.0\\.1:\\d+\"");
  }

  @Test
  void buildInfoCarriesTheVersionAndTheNodeName() {
    assertThat(scrape()).containsPattern(
      "(?m)^echoloop_build_info\\{node=\"node-7\",version=\"\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\"} 1(\\.0)?$");
  }

  private String scrape() {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    } catch (Exception e) {
      throw new AssertionError("GET /metrics failed", e);
    }
  }
}
