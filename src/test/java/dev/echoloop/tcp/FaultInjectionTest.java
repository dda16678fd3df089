package dev.echoloop.tcp;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.TestCertificates;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Faults injected on purpose ({@code faults.*}), as a client sees them, in each framing and with TLS: what arrives, in
 * which order, and how the connection ends.
 */
@Timeout(60)
class FaultInjectionTest {

  private static final String THREAD = "vert\\.x-eventloop-thread-\\d+: ";

  /** How the client talks to the server: a framing, over plain TCP or TLS. */
  enum Wire {
    RAW("raw", false), LINE("line", false), LENGTH("length", false), LINE_TLS("line", true), LENGTH_TLS("length", true);

    final String framing;
    final boolean tls;

    Wire(String framing, boolean tls) {
      this.framing = framing;
      this.tls = tls;
    }
  }

  @TempDir
  Path dir;

  private Vertx vertx;
  private TestCertificates certs;
  private final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();
  private final Logger accessLog = (Logger) LoggerFactory.getLogger("echoloop.access");

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    accessLines.start();
    accessLog.addAppender(accessLines);
  }

  @AfterEach
  void stop() throws Exception {
    accessLog.detachAppender(accessLines);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(Wire.class)
  void bannerIsTheFirstLineBeforeAnyReply(Wire wire) throws Exception {
    TcpServerDeployment server = deploy(wire, new JsonObject().put("banner", "HELLO from a faulty echoloop"));
    try (BlockingClient client = connect(wire, server)) {
      assertThat(readBanner(client, wire)).isEqualTo("HELLO from a faulty echoloop");
      assertThat(exchange(client, wire, "after the banner")).matches(THREAD + "after the banner");
    }
  }

  @ParameterizedTest
  @EnumSource(Wire.class)
  void delayedRepliesComeLateButAllAndInOrder(Wire wire) throws Exception {
    TcpServerDeployment server = deploy(wire, new JsonObject()
      .put("delayMillis", 50).put("delayJitterMillis", 100).put("delayProbability", 0.5));
    try (BlockingClient client = connect(wire, server)) {
      long started = System.nanoTime();
      List<String> replies = new ArrayList<>();
      if (wire == Wire.RAW) {
        // A raw reply is whatever one read held, so messages go one at a time; with probability 1/2 per reply, one of
        // eight is delayed but for 1/256.
        for (int i = 0; i < 8; i++) {
          replies.add(exchange(client, wire, "message " + i));
        }
      } else {
        // Pipelined: every message in one write, before any reply.
        client.send(IntStream.range(0, 40).mapToObj(i -> framed(wire, "message " + i))
          .reduce(new ByteArrayOutputStream(), (all, one) -> { all.writeBytes(one); return all; }, (a, b) -> a)
          .toByteArray());
        for (int i = 0; i < 40; i++) {
          replies.add(reply(client, wire, "message " + i));
        }
      }
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

      assertThat(elapsedMillis).isGreaterThanOrEqualTo(50);
      for (int i = 0; i < replies.size(); i++) {
        assertThat(replies.get(i)).matches(THREAD + "message " + i);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Wire.class)
  void closeAfterThreeMessagesEndsWithAFinAfterTheThirdReply(Wire wire) throws Exception {
    TcpServerDeployment server = deploy(wire, new JsonObject().put("closeAfterMessages", 3).put("delayMillis", 20));
    try (BlockingClient client = connect(wire, server)) {
      for (int i = 1; i <= 3; i++) {
        assertThat(exchange(client, wire, "message " + i)).matches(THREAD + "message " + i);
      }
      assertThat(client.readToEnd()).isEmpty();
    }
    await().untilAsserted(() -> assertThat(accessLines.list).singleElement()
      .extracting(ILoggingEvent::getFormattedMessage).asString()
      .contains("messages=3 ").endsWith("end=\"fault: closed after 3 messages\""));
  }

  @ParameterizedTest
  @EnumSource(Wire.class)
  void closeWithRstResetsTheConnectionAfterTheThirdReply(Wire wire) throws Exception {
    TcpServerDeployment server = deploy(wire, new JsonObject().put("closeAfterMessages", 3).put("closeWith", "rst"));
    try (BlockingClient client = connect(wire, server)) {
      for (int i = 1; i <= 3; i++) {
        assertThat(exchange(client, wire, "message " + i)).matches(THREAD + "message " + i);
      }
      assertThatThrownBy(client::readToEnd).isInstanceOf(IOException.class).hasMessageContaining("reset");
    }
    await().untilAsserted(() -> assertThat(accessLines.list).singleElement()
      .extracting(ILoggingEvent::getFormattedMessage).asString()
      .endsWith("end=\"fault: reset after 3 messages\""));
  }

  @ParameterizedTest
  @EnumSource(Wire.class)
  void stalledConnectionAnswersOnlyItsFirstBytesThenStaysOpenUntilShutdown(Wire wire) throws Exception {
    // With a framing, the limit falls inside "second", whose record is then never complete; raw answers each read.
    int limit = framed(wire, "first").length + (wire == Wire.RAW ? 0 : 2);
    EchoConfig config = config(wire, new JsonObject().put("stallAfterBytes", limit))
      .with("shutdownTimeoutSeconds", 30);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (BlockingClient client = connect(wire, server)) {
      // Both records in one write, so the read answered with "first" is the one that reaches the limit: the stall has
      // begun before that reply arrives. Sent apart, a shutdown could begin before "second" is read, on a busy machine,
      // and the drain would then end the connection at the boundary instead.
      client.send(concat(framed(wire, "first"), framed(wire, "second")));
      assertThat(reply(client, wire, "first")).matches(THREAD + "first");
      assertThat(server.openConnections()).isEqualTo(1);

      long started = System.nanoTime();
      server.undeploy().await(30, TimeUnit.SECONDS);

      // Freed when the shutdown began, not at its 30 s deadline; and "second" was never answered.
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(10);
      assertThat(client.readToEnd()).isEmpty();
    }
    await().untilAsserted(() -> assertThat(accessLines.list).singleElement()
      .extracting(ILoggingEvent::getFormattedMessage).asString()
      .endsWith("end=\"fault: stalled after " + limit + " bytes, closed at shutdown\""));
  }

  @Test
  void stalledConnectionIsNotReadAtAllAndOutlivesTheIdleTimeout() throws Exception {
    EchoConfig config = config(Wire.LINE, new JsonObject().put("stallAfterBytes", 0)).with("idleTimeoutSeconds", 1);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (SocketChannel client = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()))) {
      long written = writeUntilTheServerStopsReading(client, "x".repeat(1023) + "\n");

      // Only the kernel's buffers took the bytes: the server read none of them.
      assertThat(written).isLessThan(64L * 1024 * 1024);
      await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(server.openConnections()).isEqualTo(1));
    }
  }

  @ParameterizedTest
  @EnumSource(Wire.class)
  void refusedConnectionIsResetBeforeAnyByte(Wire wire) throws Exception {
    TcpServerDeployment server = deploy(wire, new JsonObject().put("refuseProbability", 1.0).put("banner", "never sent"));
    try (BlockingClient client = connect(wire, server)) {
      assertThatThrownBy(client::readToEnd).isInstanceOf(IOException.class).hasMessageContaining("reset");
    }
    assertThat(server.openConnections()).isZero();
    await().untilAsserted(() -> assertThat(accessLines.list).singleElement()
      .extracting(ILoggingEvent::getFormattedMessage).asString().endsWith("end=\"fault: refused (reset)\""));
  }

  @Test
  void refuseProbabilityRefusesAboutThatShareOfConnections() throws Exception {
    TcpServerDeployment server = deploy(Wire.LINE, new JsonObject().put("refuseProbability", 0.5));
    int refused = 0;
    for (int i = 0; i < 60; i++) {
      try (BlockingClient client = new BlockingClient(server.port())) {
        client.send("hello\n").readLine();
      } catch (IOException reset) {
        refused++;
      }
    }
    // Binomial(60, 1/2): outside 10..50 with a probability below one in ten million.
    assertThat(refused).isBetween(10, 50);
  }

  @Test
  void aFastWriterIsHeldBackWhileItsRepliesWaitForTheirDelay() throws Exception {
    TcpServerDeployment server = deploy(Wire.LINE, new JsonObject().put("delayMillis", 2000));
    try (SocketChannel client = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()))) {
      long written = writeUntilTheServerStopsReading(client, "y".repeat(63) + "\n");

      // The server read about 64 KiB and stopped; the rest waits in the kernel's buffers, not in the JVM.
      assertThat(written).isGreaterThan(64 * 1024).isLessThan(64L * 1024 * 1024);
      client.configureBlocking(true);
      Socket socket = client.socket();
      socket.setSoTimeout(10_000);
      BlockingClient replies = new BlockingClient(socket);
      assertThat(replies.readLines(100)).allMatch(line -> line.matches(THREAD + "y{63}"));
    }
  }

  /**
   * Writes {@code line} without blocking until the socket has not become writable again for half a second, bounded at
   * 256 MB; returns the bytes written. A server that keeps reading would take all 256 MB.
   */
  private static long writeUntilTheServerStopsReading(SocketChannel client, String line) throws IOException {
    client.configureBlocking(false);
    ByteBuffer chunk = ByteBuffer.wrap(line.repeat(64 * 1024 / line.length()).getBytes(StandardCharsets.US_ASCII));
    long written = 0;
    try (Selector selector = Selector.open()) {
      SelectionKey key = client.register(selector, SelectionKey.OP_WRITE);
      while (written < 256L * 1024 * 1024 && selector.select(500) > 0) {
        selector.selectedKeys().clear();
        if (!chunk.hasRemaining()) {
          chunk.rewind();
        }
        written += client.write(chunk);
      }
      key.cancel();
    }
    return written;
  }

  private TcpServerDeployment deploy(Wire wire, JsonObject faults) throws Exception {
    return TcpServerDeployment.deploy(vertx, config(wire, faults)).await(10, TimeUnit.SECONDS);
  }

  private EchoConfig config(Wire wire, JsonObject faults) throws Exception {
    EchoConfig config = TestConfigs.loopback(1).with("framing", wire.framing).with("accessLog", true)
      .with("faults", faults);
    if (wire.tls) {
      certs = TestCertificates.create(dir);
      config = config.with("tls", new JsonObject().put("enabled", true)
        .put("certPath", certs.serverCert.toString()).put("keyPath", certs.serverKey.toString()));
    }
    return config;
  }

  private BlockingClient connect(Wire wire, TcpServerDeployment server) throws Exception {
    if (!wire.tls) {
      return new BlockingClient(server.port());
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, certs.trustManagerFactory().getTrustManagers(), null);
    return new BlockingClient(context.getSocketFactory().createSocket("127.0.0.1", server.port()));
  }

  private static byte[] framed(Wire wire, String message) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    return switch (wire.framing) {
      case "line" -> (message + "\n").getBytes(StandardCharsets.UTF_8);
      case "length" -> {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
          out.writeInt(text.length);
          out.write(text);
        } catch (IOException impossible) {
          throw new IllegalStateException(impossible);
        }
        yield bytes.toByteArray();
      }
      default -> text;
    };
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  private static String exchange(BlockingClient client, Wire wire, String message) throws IOException {
    client.send(framed(wire, message));
    return reply(client, wire, message);
  }

  private static String reply(BlockingClient client, Wire wire, String message) throws IOException {
    return switch (wire.framing) {
      case "line" -> client.readLine();
      case "length" -> new String(client.readFrame(), StandardCharsets.UTF_8);
      default -> client.readEndingWith(message);
    };
  }

  /** The banner is framed like an error line: newline-terminated, or length-prefixed with {@code length}. */
  private static String readBanner(BlockingClient client, Wire wire) throws IOException {
    return wire.framing.equals("length") ? new String(client.readFrame(), StandardCharsets.UTF_8) : client.readLine();
  }
}
