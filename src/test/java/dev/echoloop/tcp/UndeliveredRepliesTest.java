package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
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

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * When the server ends a connection whose replies the client has not taken, the loss is visible: the client gets a
 * reset, not a FIN that would look like the end of a complete answer, and the access log says why and how many bytes
 * went unsent (issue 8 item 3). The client writes far more lines than the socket buffers hold and reads nothing.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class UndeliveredRepliesTest {

  private static final int SEND_BYTES = 16 * 1024 * 1024;
  private static final int STALL_BYTES = 5 * 1024 * 1024;
  private static final byte[] LINES = ("x".repeat(1023) + "\n").repeat(64).getBytes(StandardCharsets.US_ASCII);

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
    EchoConfig config = lineFramed().with("shutdownTimeoutSeconds", 2);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (Socket client = connectWithSmallReceiveBuffer(server.port())) {
      writeWithoutReading(client);
      server.undeploy().await(10, TimeUnit.SECONDS);
      assertThat(accessLogEnd()).matches("shutdown deadline, reset with [1-9]\\d* bytes unsent");
      assertReset(client);
    }
  }

  @Test
  void idleConnectionStillHoldingRepliesIsResetAndLogged(Vertx vertx) throws Exception {
    EchoConfig config = lineFramed().with("idleTimeoutSeconds", 1);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (Socket client = connectWithSmallReceiveBuffer(server.port())) {
      writeWithoutReading(client);
      // The server stops reading once its replies back up, so a second later it sees the connection as idle.
      assertThat(accessLogEnd()).matches("idle timeout, reset with [1-9]\\d* bytes unsent");
      assertReset(client);
    }
  }

  @Test
  void idleConnectionWithEveryReplyDeliveredEndsWithAnOrdinaryClose(Vertx vertx) throws Exception {
    EchoConfig config = lineFramed().with("idleTimeoutSeconds", 1);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (Socket client = connectWithSmallReceiveBuffer(server.port())) {
      client.getOutputStream().write("only line\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).endsWith(": only line\n");
    }
    assertThat(accessLogEnd()).isEqualTo("idle timeout");
  }

  private static EchoConfig lineFramed() {
    return TestConfigs.loopback(1).with("framing", "line").with("accessLog", true);
  }

  /** A small receive buffer, set before connecting so the window stays small, keeps most replies on the server. */
  private static Socket connectWithSmallReceiveBuffer(int port) throws IOException {
    Socket client = new Socket();
    client.setReceiveBufferSize(64 * 1024);
    client.setSoTimeout(20_000);
    client.connect(new InetSocketAddress("127.0.0.1", port));
    return client;
  }

  /**
   * Writes lines from another thread until at least {@link #STALL_BYTES} are sent, more than the server answers before
   * its replies back up, then shuts the output: a writer still blocked when the reset comes would take the error
   * that the reading side is meant to see.
   */
  private static void writeWithoutReading(Socket client) throws IOException {
    AtomicLong written = new AtomicLong();
    Thread writer = new Thread(() -> {
      try {
        OutputStream out = client.getOutputStream();
        while (written.get() < SEND_BYTES) {
          out.write(LINES);
          written.addAndGet(LINES.length);
        }
      } catch (IOException expected) {
        // The output was shut while this thread was blocked writing.
      }
    }, "non-reading-client");
    writer.setDaemon(true);
    writer.start();
    await().until(() -> written.get() >= STALL_BYTES);
    client.shutdownOutput();
  }

  /** Reading what arrived before the end ends in a reset, never in the EOF of a seemingly complete answer. */
  private static void assertReset(Socket client) {
    assertThatThrownBy(() -> client.getInputStream().readAllBytes())
      .isInstanceOf(SocketException.class)
      .hasMessageContaining("Connection reset");
  }

  private String accessLogEnd() {
    await().until(() -> accessLines.list.size() == 1);
    String line = accessLines.list.get(0).getFormattedMessage();
    return line.substring(line.indexOf("end=\"") + 5, line.length() - 1);
  }
}
