package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.TestConfigs;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import io.vertx.junit5.VertxExtension;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(30)
class LineFramingTest {

  private static final int MAX_FRAME = 16;
  private static final String PREFIX = "vert\\.x-eventloop-thread-\\d+: ";

  private int port;

  @BeforeEach
  void deployServer(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(1).with("framing", "line").with("maxFrameBytes", MAX_FRAME);
    port = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();
  }

  @Test
  void recordDribbledOneByteAtATimeGetsOneReply() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      for (byte b : "dribble\n".getBytes()) {
        client.send(new byte[] {b});
      }
      client.send("next\n");
      assertThat(client.readLines(2)).satisfiesExactly(
        line -> assertThat(line).matches(PREFIX + "dribble"),
        line -> assertThat(line).matches(PREFIX + "next"));
    }
  }

  @Test
  void tenRecordsInOneWriteGetTenRepliesInOrder() throws Exception {
    StringBuilder records = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      records.append("record ").append(i).append('\n');
    }
    try (BlockingClient client = new BlockingClient(port)) {
      client.send(records.toString());
      for (int i = 0; i < 10; i++) {
        assertThat(client.readLine()).matches(PREFIX + "record " + i);
      }
    }
  }

  @Test
  void keepsCarriageReturnAndAnswersEmptyLines() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      client.send("crlf\r\n\n");
      assertThat(client.readLines(2)).satisfiesExactly(
        line -> assertThat(line).matches(PREFIX + "crlf\r"),
        line -> assertThat(line).matches(PREFIX));
    }
  }

  @Test
  void oversizeRecordWithItsDelimiterInTheSameChunkIsRejectedAndClosed() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      client.send("fits\n" + "x".repeat(MAX_FRAME + 1) + "\nnever answered\n");
      assertThat(client.readLine()).matches(PREFIX + "fits");
      assertThat(client.readToEnd()).isEqualTo("ERR frame too long (max 16 bytes)\n");
    }
  }

  @Test
  void oversizeRecordWithoutDelimiterIsRejectedBeforeItEnds() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      client.send("x".repeat(MAX_FRAME / 2)).send("x".repeat(MAX_FRAME / 2)).send("x");
      assertThat(client.readToEnd()).isEqualTo("ERR frame too long (max 16 bytes)\n");
    }
  }

  @Test
  void recordOfExactlyTheLimitIsServed() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      client.send("y".repeat(MAX_FRAME) + "\n");
      assertThat(client.readLine()).matches(PREFIX + "y{16}");
    }
  }

  @Test
  void halfClosingClientGetsEveryReplyIncludingItsUnterminatedLastLineThenTheClose() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      client.send("one\ntwo\nno newline");
      client.halfClose();
      assertThat(client.readToEnd()).matches(
        "(?s)" + PREFIX + "one\n" + PREFIX + "two\n" + PREFIX + "no newline\n");
    }
  }
}
