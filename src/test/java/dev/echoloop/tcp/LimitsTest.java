package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.CapturedLog;
import dev.echoloop.testing.TestConfigs;

import ch.qos.logback.classic.Level;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(VertxExtension.class)
@Timeout(30)
class LimitsTest {

  private static final String PREFIX = "vert\\.x-eventloop-thread-\\d+: ";

  @Test
  void connectionOverTheLimitGetsServerBusyAndTheOthersAreUnaffected(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(2).with("framing", "line").with("maxConnections", 2);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (BlockingClient first = new BlockingClient(server.port());
         BlockingClient second = new BlockingClient(server.port())) {
      assertThat(first.send("first\n").readLine()).matches(PREFIX + "first");
      assertThat(second.send("second\n").readLine()).matches(PREFIX + "second");

      try (BlockingClient third = new BlockingClient(server.port())) {
        assertThat(third.readToEnd()).isEqualTo("ERR server busy\n");
      }
      assertThat(first.send("still served\n").readLine()).matches(PREFIX + "still served");
      assertThat(server.openConnections()).isEqualTo(2);
    }
    await().untilAsserted(() -> assertThat(server.openConnections()).isZero());
    try (BlockingClient later = new BlockingClient(server.port())) {
      assertThat(later.send("slot freed\n").readLine()).matches(PREFIX + "slot freed");
    }
  }

  @Test
  void connectionRefusedAsBusyLeavesAnAccessLogLine(Vertx vertx) throws Exception {
    EchoConfig oneSlot = TestConfigs.loopback(1).with("framing", "line").with("accessLog", true).with("maxConnections", 1);
    TcpServerDeployment full = TcpServerDeployment.deploy(vertx, oneSlot).await(10, TimeUnit.SECONDS);
    try (CapturedLog access = CapturedLog.of("echoloop.access"); BlockingClient holder = new BlockingClient(full.port())) {
      holder.send("hold\n").readLine();
      try (BlockingClient refused = new BlockingClient(full.port())) {
        assertThat(refused.readToEnd()).isEqualTo("ERR server busy\n");
      }
      await().untilAsserted(() -> assertThat(access.messages(Level.INFO)).isNotEmpty());
      assertThat(access.messages(Level.INFO)).singleElement().asString()
        .matches("client=127\\.0\\.0\\.1:\\d+ peer=127\\.0\\.0\\.1:\\d+ loop=vert\\.x-eventloop-thread-\\d+ in=0 out=16 messages=0 discarded=0 duration_ms=0 "
          + "end=\"ERR server busy\"");
    }
  }

  @Test
  void idleConnectionIsClosedAfterTheIdleTimeout(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(1).with("idleTimeoutSeconds", 1);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (BlockingClient idle = new BlockingClient(server.port())) {
      long started = System.nanoTime();
      assertThat(idle.send("hello").readToEnd()).matches(PREFIX + "hello");
      // Closed by the idle timer, not at once: the reply came immediately, the close a second later.
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(900L, 5_000L);
    }
    await().untilAsserted(() -> assertThat(server.openConnections()).isZero());
  }
}
