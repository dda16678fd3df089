package dev.echoloop;

import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.tcp.TcpServerVerticle;
import dev.echoloop.testing.LaunchedProcess;
import dev.echoloop.testing.TestConfigs;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The original example's own client, in Python 3, against echoloop: the reply format is the one it expects. python3 is
 * required, not optional (.ci/run installs it, and the fleet test needs it too), so this test is never skipped.
 */
@ExtendWith(VertxExtension.class)
class SeedClientTest {

  @Test
  void pythonSeedClientReceivesThreeRepliesFromEventLoops(Vertx vertx, VertxTestContext ctx) throws Exception {
    Path script = Path.of(getClass().getResource("/seed_client.py").toURI());
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, TestConfigs.loopback(2)).await(10, TimeUnit.SECONDS);

    try (LaunchedProcess client = LaunchedProcess.start(Map.of(),
      List.of("python3", script.toString(), "127.0.0.1", String.valueOf(server.port())))) {
      assertThat(client.awaitExit(30)).isZero();
      assertThat(client.output()).satisfiesExactly(
        line -> assertThat(line).matches("Client received: vert\\.x-eventloop-thread-\\d+: Hello from client1"),
        line -> assertThat(line).matches("Client received: vert\\.x-eventloop-thread-\\d+: Hello from client2"),
        line -> assertThat(line).matches("Client received: vert\\.x-eventloop-thread-\\d+: Hello from client3"));
    }
    ctx.completeNow();
  }

  @Test
  void pythonSeedClientReceivesThreeRepliesFromTheLaunchedServer() throws Exception {
    Path script = Path.of(getClass().getResource("/seed_client.py").toURI());
    try (LaunchedProcess server = LaunchedProcess.java(Map.of(), EcholoopApplication.class.getName(),
      TcpServerVerticle.class.getName(), "-instances", "4", "-conf", "{\"port\":0}")) {
      String port = server.awaitLine("echoloop listening on 127\\.0\\.0\\.1:(\\d+)", 30);
      try (LaunchedProcess client = LaunchedProcess.start(Map.of(), List.of("python3", script.toString(), "127.0.0.1", port))) {
        assertThat(client.awaitExit(30)).isZero();
        assertThat(client.output()).hasSize(3)
          .allMatch(line -> line.matches("Client received: vert\\.x-eventloop-thread-\\d+: Hello from client\\d"));
      }
    }
  }
}
