package dev.echoloop.ops;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.NonReadingClient;
import dev.echoloop.testing.TestConfigs;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.echoloop.ops.AdminVerticle;
import dev.echoloop.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Metrics, health, readiness and the access log, as an operator or a load balancer sees them. */
@Timeout(60)
class OperationsTest {

  private static final Pattern UNSENT_BYTES = Pattern.compile("(?m)^echoloop_replies_unsent_bytes_total\\{[^}]*} (\\S+)$");
  private static final Pattern IDLE_ABORTS =
    Pattern.compile("(?m)^echoloop_connections_aborted_total\\{[^}]*reason=\"idle_timeout\"[^}]*} (\\S+)$");
  private static final Pattern OPEN_CONNECTIONS = Pattern.compile("(?m)^echoloop_connections_open\\{[^}]*} (\\S+)$");

  private final HttpClient http = HttpClient.newHttpClient();
  private Vertx vertx;
  private TcpServerDeployment server;
  private int adminPort;

  @BeforeEach
  void deployServerWithAdmin() throws Exception {
    vertx = Vertx.builder().with(Metrics.enable(new VertxOptions())).build();
    EchoConfig config = TestConfigs.loopback(2).with("framing", "line").with("shutdownTimeoutSeconds", 30)
      .with("drain", "wait")
      .with("accessLog", true)
      .with("admin", new JsonObject().put("port", 0));
    server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    AdminVerticle admin = server.startAdmin(config.admin()).await(10, TimeUnit.SECONDS);
    adminPort = admin.actualPort();
  }

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void healthIsUpAndReadyWhileServing() throws Exception {
    assertThat(get("/health")).satisfies(response -> {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("{\"status\":\"UP\"}");
    });
    assertThat(get("/ready").statusCode()).isEqualTo(200);
    assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
  }

  @Test
  void scrapeShowsTheOpenConnectionCountMove() throws Exception {
    assertThat(openConnections()).isZero();
    try (BlockingClient first = new BlockingClient(server.port()); BlockingClient second = new BlockingClient(server.port())) {
      first.send("a\n").readLine();
      second.send("b\n").readLine();
      assertThat(openConnections()).isEqualTo(2);
      String scrape = get("/metrics").body();
      assertThat(scrape).contains("vertx_net_server_active_connections", "echoloop_replies_total");
    }
    await().untilAsserted(() -> assertThat(openConnections()).isZero());
  }

  @Test
  void readyTurns503DuringGracefulShutdownWhileHealthStaysUp() throws Exception {
    try (BlockingClient client = new BlockingClient(server.port())) {
      client.send("before\n").readLine();
      Future<Void> undeployed = server.undeploy();
      await().untilAsserted(() -> assertThat(status("/ready")).isEqualTo(503));
      assertThat(get("/ready").body()).isEqualTo("{\"status\":\"NOT_READY\",\"reason\":\"shutting down\"}");
      assertThat(status("/health")).isEqualTo(200);
      assertThat(client.send("during\n").readLine()).endsWith(": during");
      client.close();
      undeployed.await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void accessLogHasOneLinePerConnectionWithItsCounts() throws Exception {
    Logger access = (Logger) LoggerFactory.getLogger("echoloop.access");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    access.addAppender(lines);
    try {
      try (BlockingClient client = new BlockingClient(server.port())) {
        client.send("one\ntwo\n").readLines(2);
      }
      await().untilAsserted(() -> assertThat(lines.list).hasSize(1));
      assertThat(lines.list.get(0).getFormattedMessage())
        .matches("client=127\\.0\\.0\\.1:\\d+ peer=127\\.0\\.0\\.1:\\d+ loop=vert\\.x-eventloop-thread-\\d+ in=8 out=\\d+ messages=2 discarded=0 "
          + "duration_ms=\\d+ end=\"client closed\"")
        .doesNotContain("one", "two");
    } finally {
      access.detachAppender(lines);
    }
  }

  @Test
  void scrapeCountsAConnectionResetWithItsUnsentReplyBytes() throws Exception {
    // A port of its own: on port 0 it would share the random port of the server already deployed (see TcpServerVerticle).
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    EchoConfig idle = TestConfigs.loopback(1).with("framing", "line").with("idleTimeoutSeconds", 1).withPort(port);
    TcpServerDeployment stalled = TcpServerDeployment.deploy(vertx, idle).await(10, TimeUnit.SECONDS);
    try (NonReadingClient client = NonReadingClient.stallServer(stalled.port())) {
      await().until(() -> sum(UNSENT_BYTES) > 0);
      assertThat(sum(IDLE_ABORTS)).isEqualTo(1);
    }
  }

  /** The sum of a series over its event loops. */
  private double sum(Pattern series) {
    Matcher matcher = series.matcher(get("/metrics").body());
    double total = 0;
    while (matcher.find()) {
      total += Double.parseDouble(matcher.group(1));
    }
    return total;
  }

  private int openConnections() {
    Matcher matcher = OPEN_CONNECTIONS.matcher(get("/metrics").body());
    double total = 0;
    while (matcher.find()) {
      total += Double.parseDouble(matcher.group(1));
    }
    return (int) total;
  }

  private int status(String path) {
    return get(path).statusCode();
  }

  private HttpResponse<String> get(String path) {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build();
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("GET " + path + " failed", e);
    }
  }
}
