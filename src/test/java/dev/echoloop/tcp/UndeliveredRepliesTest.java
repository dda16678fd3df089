package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.NonReadingClient;
import dev.echoloop.testing.TestConfigs;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When the server ends a connection whose replies the client has not taken, the loss is visible: the client gets a
 * reset, not a FIN that would look like the end of a complete answer, and the access log says why and how many bytes
 * went unsent (issue 8 item 3).
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class UndeliveredRepliesTest {

  /** Past the client's 64 KiB receive buffer: the server wrote on instead of resetting when it gave up. */
  private static final long RESET_AT_ONCE = 1024 * 1024;

  private final Logger access = (Logger) LoggerFactory.getLogger("echoloop.access");
  private final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();

  @BeforeEach
  void captureAccessLog() {
    accessLines.start();
    access.addAppender(accessLines);
  }

  @AfterEach
  void releaseAccessLog() {
    access.detachAppender(accessLines);
  }

  @Test
  void connectionStillHoldingRepliesAtTheShutdownDeadlineIsResetAndLogged(Vertx vertx) throws Exception {
    TcpServerDeployment server = deploy(vertx, lineFramed().with("shutdownTimeoutSeconds", 2));
    try (NonReadingClient client = NonReadingClient.stallServer(server.port())) {
      server.undeploy().await(10, TimeUnit.SECONDS);
      assertThat(accessLogEnd()).matches("shutdown deadline, reset with [1-9]\\d* bytes unsent");
      assertThat(client.bytesReadBeforeReset()).isLessThan(RESET_AT_ONCE);
    }
  }

  @Test
  void shutdownWithoutGracePeriodResetsAConnectionStillHoldingReplies(Vertx vertx) throws Exception {
    TcpServerDeployment server = deploy(vertx, lineFramed().with("shutdownTimeoutSeconds", 0));
    try (NonReadingClient client = NonReadingClient.stallServer(server.port())) {
      server.undeploy().await(10, TimeUnit.SECONDS);
      assertThat(accessLogEnd()).matches("shutdown deadline, reset with [1-9]\\d* bytes unsent");
      assertThat(client.bytesReadBeforeReset()).isLessThan(RESET_AT_ONCE);
    }
  }

  @Test
  void idleConnectionStillHoldingRepliesIsResetAndLogged(Vertx vertx) throws Exception {
    TcpServerDeployment server = deploy(vertx, lineFramed().with("idleTimeoutSeconds", 1));
    // The server stops reading once its replies back up, so a second later it sees the connection as idle.
    try (NonReadingClient client = NonReadingClient.stallServer(server.port())) {
      assertThat(accessLogEnd()).matches("idle timeout, reset with [1-9]\\d* bytes unsent");
      assertThat(client.bytesReadBeforeReset()).isLessThan(RESET_AT_ONCE);
    }
  }

  @Test
  void idleConnectionWithEveryReplyDeliveredEndsWithAnOrdinaryClose(Vertx vertx) throws Exception {
    TcpServerDeployment server = deploy(vertx, lineFramed().with("idleTimeoutSeconds", 1));
    try (Socket client = new Socket()) {
      client.setSoTimeout(20_000);
      client.connect(new InetSocketAddress("127.0.0.1", server.port()));
      client.getOutputStream().write("only line\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).endsWith(": only line\n");
    }
    assertThat(accessLogEnd()).isEqualTo("idle timeout");
  }

  @Test
  void clientThatResetsTheConnectionIsLoggedAsAClientResetNotAsAServerFailure(Vertx vertx) throws Exception {
    TcpServerDeployment server = deploy(vertx, lineFramed());
    try (BlockingClient client = new BlockingClient(server.port())) {
      assertThat(client.send("before the reset\n").readLine()).endsWith(": before the reset");
      client.reset();
    }
    assertThat(accessLogEnd()).isEqualTo("client reset");
  }

  private static TcpServerDeployment deploy(Vertx vertx, EchoConfig config) throws Exception {
    return TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
  }

  private static EchoConfig lineFramed() {
    return TestConfigs.loopback(1).with("framing", "line").with("accessLog", true);
  }

  private String accessLogEnd() {
    await().until(() -> accessLines.list.size() == 1);
    String line = accessLines.list.get(0).getFormattedMessage();
    return line.substring(line.indexOf("end=\"") + 5, line.length() - 1);
  }
}
