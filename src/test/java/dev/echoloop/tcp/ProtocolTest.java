package dev.echoloop.tcp;

import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.TestConfigs;
import dev.echoloop.testing.TestFraming;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static dev.echoloop.testing.TestFraming.concat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Protocol table: under each framing, what a message is and what its reply is. A reply is the serving
 * event loop's name, {@code ": "}, and the message's bytes unchanged.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ProtocolTest {

  private static final String PREFIX = "vert\\.x-eventloop-thread-\\d+: ";

  @ParameterizedTest
  @EnumSource(TestFraming.class)
  void repliesWithThreadNameAndExactBytes(TestFraming framing, Vertx vertx) throws Exception {
    try (BlockingClient client = connect(vertx, framing)) {
      client.send(framing.encode("Hello from client1"));
      assertThat(framing.readReply(client, "Hello from client1")).matches(PREFIX + "Hello from client1");
    }
  }

  @ParameterizedTest
  @EnumSource(TestFraming.class)
  void binaryBytesNulAndInvalidUtf8ComeBackUnchanged(TestFraming framing, Vertx vertx) throws Exception {
    // NUL, invalid UTF-8 (a lone continuation byte, an overlong form), then every byte value but the line delimiter.
    StringBuilder message = new StringBuilder("\u0000\u0080\u00C0\u00AF\u00FF\r");
    for (char b = 0; b < 256; b++) {
      if (b != '\n') {
        message.append(b);
      }
    }
    try (BlockingClient client = connect(vertx, framing)) {
      client.send(framing.encode(message.toString()));
      assertThat(framing.readReply(client, message.toString())).matches(PREFIX + Pattern.quote(message.toString()));
    }
  }

  @ParameterizedTest
  @EnumSource(TestFraming.class)
  void servesManyMessagesOnOneConnectionInOrder(TestFraming framing, Vertx vertx) throws Exception {
    try (BlockingClient client = connect(vertx, framing)) {
      for (int i = 1; i <= 50; i++) {
        client.send(framing.encode("message " + i));
        assertThat(framing.readReply(client, "message " + i)).matches(PREFIX + "message " + i);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = TestFraming.class, names = {"LINE", "LENGTH"})
  void recordsDribbledByteByByteOrMergedInOneWriteGetOneReplyEachInOrder(TestFraming framing, Vertx vertx)
    throws Exception {
    try (BlockingClient client = connect(vertx, framing)) {
      for (byte b : framing.encode("dribble")) {
        client.send(new byte[] {b});
      }
      client.send(concat(framing.encode("a"), framing.encode("b"), framing.encode("")));
      for (String record : new String[] {"dribble", "a", "b", ""}) {
        assertThat(framing.readReply(client, record)).matches(PREFIX + record);
      }
    }
  }

  @Test
  void lineKeepsTheCarriageReturnOfCrlfAndAnswersEmptyLines(Vertx vertx) throws Exception {
    try (BlockingClient client = connect(vertx, TestFraming.LINE)) {
      client.send("crlf\r\n\n");
      assertThat(client.readLines(2)).satisfiesExactly(
        line -> assertThat(line).matches(PREFIX + "crlf\r"),
        line -> assertThat(line).matches(PREFIX));
    }
  }

  @Test
  void lengthRepliesArePrefixedWithTheLengthOfThreadNameAndPayload(Vertx vertx) throws Exception {
    try (BlockingClient client = connect(vertx, TestFraming.LENGTH)) {
      client.send(TestFraming.LENGTH.encode("\u0000\u0001\u00FF\n"));
      // readFrame reads exactly the announced length; a wrong one would leave bytes over or run short.
      assertThat(TestFraming.LENGTH.readReply(client, "")).matches(PREFIX + "\u0000\u0001\u00FF\n");
      client.send(TestFraming.LENGTH.encode("next"));
      assertThat(TestFraming.LENGTH.readReply(client, "")).matches(PREFIX + "next");
    }
  }

  private static BlockingClient connect(Vertx vertx, TestFraming framing) throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx,
      TestConfigs.loopback(2).with("framing", framing.configName())).await(10, TimeUnit.SECONDS);
    return new BlockingClient(server.port());
  }
}
