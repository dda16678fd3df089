package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.TestConfigs;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@Timeout(30)
class LengthFramingTest {

  private static final int MAX_FRAME = 32;
  private static final String PREFIX = "vert\\.x-eventloop-thread-\\d+: ";

  private int port;

  @BeforeEach
  void deployServer(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(1).with("framing", "length").with("maxFrameBytes", MAX_FRAME);
    port = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();
  }

  @Test
  void repliesAreLengthPrefixedLikeTheRequests() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      client.send(frame(new byte[] {0, 1, (byte) 0xFF, '\n'}));
      byte[] reply = client.readFrame();
      String text = new String(reply, StandardCharsets.ISO_8859_1);
      assertThat(text).matches(PREFIX + "\u0000\u0001\u00FF\n");
    }
  }

  @Test
  void framesSplitAcrossWritesAndMergedInOneWriteAreEachAnswered() throws Exception {
    byte[] first = frame("split".getBytes());
    byte[] merged = concat(frame("a".getBytes()), frame("b".getBytes()), frame(new byte[0]));
    try (BlockingClient client = new BlockingClient(port)) {
      for (byte b : first) {
        client.send(new byte[] {b});
      }
      client.send(merged);
      assertThat(text(client.readFrame())).matches(PREFIX + "split");
      assertThat(text(client.readFrame())).matches(PREFIX + "a");
      assertThat(text(client.readFrame())).matches(PREFIX + "b");
      assertThat(text(client.readFrame())).matches(PREFIX);
    }
  }

  @Test
  void negativeLengthIsRejectedAndClosed() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      client.send(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFB});
      assertThat(text(client.readFrame())).isEqualTo("ERR invalid frame length -5");
      assertThat(client.readToEnd()).isEmpty();
    }
  }

  @Test
  void hugeLengthIsRejectedBeforeAnyPayloadIsBuffered() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      client.send(new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
      assertThat(text(client.readFrame())).isEqualTo("ERR frame too long (max 32 bytes)");
      assertThat(client.readToEnd()).isEmpty();
    }
  }

  @Test
  void incompleteFrameAtEndOfInputIsReportedAfterTheCompleteOnes() throws Exception {
    try (BlockingClient client = new BlockingClient(port)) {
      client.send(concat(frame("whole".getBytes()), new byte[] {0, 0, 0, 9, 'p', 'a', 'r'}));
      client.halfClose();
      assertThat(text(client.readFrame())).matches(PREFIX + "whole");
      assertThat(text(client.readFrame())).isEqualTo("ERR incomplete frame at end of input (7 bytes)");
      assertThat(client.readToEnd()).isEmpty();
    }
  }

  static byte[] frame(byte[] payload) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(payload.length);
    out.write(payload);
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      bytes.writeBytes(part);
    }
    return bytes.toByteArray();
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }
}
