package dev.echoloop.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.PipeliningClient;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.DataInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * {@code drain: boundary}: in a graceful shutdown each connection is closed right after a complete reply, once no part
 * of a record is buffered, with a lingering close; a pipelining client gets a reply for every request the server read,
 * and an orderly end of stream, never a reset. A reply is owed only for what the server read before it closed. The same
 * lingering close follows an {@code ERR} line.
 */
@Timeout(60)
class DrainTest {

  private static final int MAX_REQUESTS = 5_000_000;
  /** Long, so that a drain finishing early proves the server closed at a boundary and did not wait for the deadline. */
  private static final int SHUTDOWN_TIMEOUT_SECONDS = 30;
  private static final Pattern ACCESS = Pattern.compile("in=(\\d+) out=\\d+ messages=(\\d+) discarded=(\\d+) .*end=\"([^\"]*)\"");

  private final Vertx vertx = Vertx.vertx();
  private final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();
  private final Logger accessLog = (Logger) LoggerFactory.getLogger("echoloop.access");

  @BeforeEach
  void watchTheAccessLog() {
    accessLines.start();
    accessLog.addAppender(accessLines);
  }

  @AfterEach
  void stop() throws Exception {
    accessLog.detachAppender(accessLines);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void lineFramingClosesAfterACompleteReplyAndAnswersEveryLineItRead() throws Exception {
    TcpServerDeployment server = deploy("line");
    Drained drained = drainWhilePipelining(server, i -> line(i).getBytes(StandardCharsets.US_ASCII));

    List<String> replies = List.of(new String(drained.received, StandardCharsets.US_ASCII).split("\n", -1));
    assertThat(replies.get(replies.size() - 1)).as("the stream ends right after a complete reply").isEmpty();
    List<String> complete = replies.subList(0, replies.size() - 1);
    for (int i = 0; i < complete.size(); i++) {
      assertThat(complete.get(i)).endsWith(": " + line(i).trim());
    }
    assertThat(drained.messages).isEqualTo(complete.size()).isPositive();
    assertThat(drained.bytesRead).as("read: exactly the requests answered").isEqualTo((long) complete.size() * line(0).length());
  }

  @Test
  void lengthFramingClosesAfterACompleteReplyAndAnswersEveryFrameItRead() throws Exception {
    TcpServerDeployment server = deploy("length");
    Drained drained = drainWhilePipelining(server, DrainTest::frame);

    DataInputStream in = new DataInputStream(new ByteArrayInputStream(drained.received));
    int replies = 0;
    while (in.available() > 0) {
      byte[] reply = new byte[in.readInt()];
      in.readFully(reply);
      assertThat(new String(reply, StandardCharsets.US_ASCII)).endsWith(": " + payload(replies));
      replies++;
    }
    assertThat(drained.messages).isEqualTo(replies).isPositive();
    assertThat(drained.bytesRead).isEqualTo((long) replies * frame(0).length);
  }

  @Test
  void rawFramingClosesOnceEveryByteReadIsAnswered() throws Exception {
    TcpServerDeployment server = deploy("raw");
    Drained drained = drainWhilePipelining(server, i -> payload(i).getBytes(StandardCharsets.US_ASCII));

    // The payloads never contain ": ", so taking out each reply's prefix leaves exactly the bytes echoed.
    String echoed = new String(drained.received, StandardCharsets.US_ASCII).replaceAll("vert\\.x-eventloop-thread-\\d+: ", "");
    StringBuilder sent = new StringBuilder();
    for (int i = 0; sent.length() < echoed.length(); i++) {
      sent.append(payload(i));
    }
    assertThat(echoed).isEqualTo(sent.substring(0, echoed.length())).isNotEmpty();
    assertThat(drained.bytesRead).isEqualTo(echoed.length());
  }

  @Test
  void anIdleConnectionIsClosedAtOnce() throws Exception {
    TcpServerDeployment server = deploy("line");
    try (BlockingClient idle = new BlockingClient(server.port())) {
      assertThat(idle.send("hello\n").readLine()).endsWith(": hello");
      long started = System.nanoTime();
      Future<Void> undeployed = server.undeploy();

      assertThat(idle.readToEnd()).isEmpty();
      undeployed.await(10, TimeUnit.SECONDS);
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(SHUTDOWN_TIMEOUT_SECONDS);
    }
  }

  @Test
  void waitKeepsServingOpenConnectionsUntilTheirClientsClose() throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config("line").with("drain", "wait"))
      .await(10, TimeUnit.SECONDS);
    try (BlockingClient client = new BlockingClient(server.port())) {
      assertThat(client.send("before\n").readLine()).endsWith(": before");
      Future<Void> undeployed = server.undeploy();
      // The port refuses new connections once the shutdown has begun.
      await().untilAsserted(() -> assertThatThrownBy(() -> new BlockingClient(server.port()).close())
        .isInstanceOf(IOException.class));
      assertThat(client.send("during\n").readLine()).endsWith(": during");
      client.halfClose();
      assertThat(client.readToEnd()).isEmpty();
      undeployed.await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void anErrLineIsFollowedByALingeringCloseSoTheClientStillReadsIt() throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config("line").with("maxFrameBytes", 1024))
      .await(10, TimeUnit.SECONDS);
    byte[] noNewline = "x".repeat(4096).getBytes(StandardCharsets.US_ASCII);

    try (PipeliningClient client = new PipeliningClient(server.port(), i -> noNewline, 10_000)) {
      assertThat(client.awaitEnd(20)).isEqualTo("end of stream");
      assertThat(new String(client.received(), StandardCharsets.US_ASCII))
        .isEqualTo("ERR frame too long (max 1024 bytes)\n");
    }
    await().until(() -> !accessLines.list.isEmpty());
    Matcher access = ACCESS.matcher(accessLines.list.get(0).getFormattedMessage());
    assertThat(access.find()).isTrue();
    assertThat(Long.parseLong(access.group(3))).as("bytes discarded while lingering").isPositive();
  }

  private Drained drainWhilePipelining(TcpServerDeployment server, java.util.function.IntFunction<byte[]> request)
    throws Exception {
    try (PipeliningClient client = new PipeliningClient(server.port(), request, MAX_REQUESTS)) {
      await().until(() -> client.receivedBytes() > 64 * 1024);
      long started = System.nanoTime();
      Future<Void> undeployed = server.undeploy();

      String ending = client.awaitEnd(20);
      undeployed.await(20, TimeUnit.SECONDS);

      assertThat(ending).as("an orderly close, not a reset").isEqualTo("end of stream");
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(SHUTDOWN_TIMEOUT_SECONDS);
      await().until(() -> !accessLines.list.isEmpty());
      Matcher access = ACCESS.matcher(accessLines.list.get(0).getFormattedMessage());
      assertThat(access.find()).as(accessLines.list.get(0).getFormattedMessage()).isTrue();
      assertThat(access.group(4)).isEqualTo("drained");
      // The lingering close read on after its FIN: what the client sent meanwhile was read and dropped, not left unread
      // in the kernel, where it would have turned the close into a reset.
      assertThat(Long.parseLong(access.group(3))).as("bytes discarded while lingering").isPositive();
      assertThat(client.sent()).as("the client was still sending when the drain began").isGreaterThan(0);
      return new Drained(client.received(), Long.parseLong(access.group(1)), Long.parseLong(access.group(2)));
    }
  }

  private TcpServerDeployment deploy(String framing) throws Exception {
    return TcpServerDeployment.deploy(vertx, config(framing)).await(10, TimeUnit.SECONDS);
  }

  private static EchoConfig config(String framing) {
    return TestConfigs.loopback(1).with("framing", framing).with("accessLog", true)
      .with("shutdownTimeoutSeconds", SHUTDOWN_TIMEOUT_SECONDS);
  }

  private static String payload(int i) {
    return String.format("r%08d;", i);
  }

  private static String line(int i) {
    return payload(i) + "\n";
  }

  private static byte[] frame(int i) {
    byte[] text = payload(i).getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(4 + text.length).putInt(text.length).put(text).array();
  }

  /** What the client received, and what the server's access log says it read and answered. */
  private record Drained(byte[] received, long bytesRead, long messages) {
  }
}
