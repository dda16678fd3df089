package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.CapturedLog;
import dev.echoloop.testing.TestConfigs;
import dev.echoloop.testing.TestFraming;

import ch.qos.logback.classic.Level;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static dev.echoloop.testing.TestFraming.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's "Limits and failure behaviour" table, one row after the other: bad input gets one framed line and the
 * close, and every other connection carries on. (Its row on NUL bytes, invalid UTF-8, CRLF and dribbled bytes is proven
 * with the rest of the protocol, in {@link ProtocolTest}.)
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class LimitsAndFailuresTest {

  private static final String PREFIX = "vert\\.x-eventloop-thread-\\d+: ";
  private static final int MAX_FRAME = 16;

  @ParameterizedTest
  @EnumSource(value = TestFraming.class, names = {"LINE", "LENGTH"})
  void recordOverTheLimitGetsFrameTooLongBeforeItEndsThenTheCloseAndOthersCarryOn(TestFraming framing, Vertx vertx)
    throws Exception {
    TcpServerDeployment server = deploy(vertx, framing, 2);
    try (BlockingClient bystander = new BlockingClient(server.port());
         BlockingClient flooder = new BlockingClient(server.port())) {
      // Only the start of the record, no delimiter, no payload: it must be refused without waiting for the rest.
      byte[] start = framing == TestFraming.LINE
        ? "x".repeat(MAX_FRAME + 1).getBytes()
        : new byte[] {0, 0, 0, MAX_FRAME + 1};
      flooder.send(start);
      assertThat(framing.readReply(flooder, "")).isEqualTo("ERR frame too long (max " + MAX_FRAME + " bytes)");
      assertThat(flooder.readToEnd()).isEmpty();
      bystander.send(framing.encode("unaffected"));
      assertThat(framing.readReply(bystander, "unaffected")).matches(PREFIX + "unaffected");
    }
  }

  @ParameterizedTest
  @EnumSource(value = TestFraming.class, names = {"LINE", "LENGTH"})
  void recordOfExactlyTheLimitIsServed(TestFraming framing, Vertx vertx) throws Exception {
    try (BlockingClient client = new BlockingClient(deploy(vertx, framing, 1).port())) {
      client.send(framing.encode("y".repeat(MAX_FRAME)));
      assertThat(framing.readReply(client, "")).matches(PREFIX + "y{" + MAX_FRAME + "}");
    }
  }

  @Test
  void oversizeLineWithItsDelimiterInTheSameChunkIsRejectedAfterTheLinesBeforeIt(Vertx vertx) throws Exception {
    try (BlockingClient client = new BlockingClient(deploy(vertx, TestFraming.LINE, 1).port())) {
      client.send("fits\n" + "x".repeat(MAX_FRAME + 1) + "\nnever answered\n");
      assertThat(client.readLine()).matches(PREFIX + "fits");
      assertThat(client.readToEnd()).isEqualTo("ERR frame too long (max 16 bytes)\n");
    }
  }

  @Test
  void hugeLengthIsRejectedBeforeAnyPayloadIsBuffered(Vertx vertx) throws Exception {
    try (BlockingClient client = new BlockingClient(deploy(vertx, TestFraming.LENGTH, 1).port())) {
      client.send(new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
      assertThat(TestFraming.LENGTH.readReply(client, "")).isEqualTo("ERR frame too long (max 16 bytes)");
      assertThat(client.readToEnd()).isEmpty();
    }
  }

  @Test
  void negativeLengthGetsInvalidFrameLengthThenTheClose(Vertx vertx) throws Exception {
    try (BlockingClient client = new BlockingClient(deploy(vertx, TestFraming.LENGTH, 1).port())) {
      client.send(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFB});
      assertThat(TestFraming.LENGTH.readReply(client, "")).isEqualTo("ERR invalid frame length -5");
      assertThat(client.readToEnd()).isEmpty();
    }
  }

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
    EchoConfig oneSlot = TestConfigs.loopback(1).with("framing", "line").with("accessLog", true)
      .with("maxConnections", 1);
    TcpServerDeployment full = TcpServerDeployment.deploy(vertx, oneSlot).await(10, TimeUnit.SECONDS);
    try (CapturedLog access = CapturedLog.of("echoloop.access");
         BlockingClient holder = new BlockingClient(full.port())) {
      holder.send("hold\n").readLine();
      try (BlockingClient refused = new BlockingClient(full.port())) {
        assertThat(refused.readToEnd()).isEqualTo("ERR server busy\n");
      }
      await().untilAsserted(() -> assertThat(access.messages(Level.INFO)).isNotEmpty());
      assertThat(access.messages(Level.INFO)).singleElement().asString()
        .matches("client=127\\.0\\.0\\.1:\\d+ peer=127\\.0\\.0\\.1:\\d+ loop=vert\\.x-eventloop-thread-\\d+ in=0 out=16 "
          + "messages=0 discarded=0 duration_ms=0 end=\"ERR server busy\"");
    }
  }

  @ParameterizedTest
  @EnumSource(TestFraming.class)
  void idleConnectionIsClosedAfterTheIdleTimeout(TestFraming framing, Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(1).with("framing", framing.configName()).with("idleTimeoutSeconds", 1);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (BlockingClient idle = new BlockingClient(server.port())) {
      long started = System.nanoTime();
      idle.send(framing.encode("hello"));
      assertThat(framing.readReply(idle, "hello")).matches(PREFIX + "hello");
      assertThat(idle.readToEnd()).isEmpty();
      // Closed by the idle timer, not at once: the reply came immediately, the close a second later.
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(900L, 8_000L);
    }
    await().untilAsserted(() -> assertThat(server.openConnections()).isZero());
  }

  @ParameterizedTest
  @EnumSource(TestFraming.class)
  void halfClosingClientGetsTheReplyToEverythingItSentThenTheClose(TestFraming framing, Vertx vertx) throws Exception {
    try (BlockingClient client = new BlockingClient(deploy(vertx, framing, 1).port())) {
      client.send(framing.encode("last words"));
      client.halfClose();
      assertThat(framing.readReply(client, "last words")).matches(PREFIX + "last words");
      assertThat(client.readToEnd()).isEmpty();
    }
  }

  @Test
  void halfClosingLineClientGetsItsUnterminatedLastLineAnswered(Vertx vertx) throws Exception {
    try (BlockingClient client = new BlockingClient(deploy(vertx, TestFraming.LINE, 1).port())) {
      client.send("one\ntwo\nno newline");
      client.halfClose();
      assertThat(client.readToEnd()).matches("(?s)" + PREFIX + "one\n" + PREFIX + "two\n" + PREFIX + "no newline\n");
    }
  }

  @Test
  void halfClosingLengthClientGetsIncompleteFrameAfterTheCompleteOnes(Vertx vertx) throws Exception {
    try (BlockingClient client = new BlockingClient(deploy(vertx, TestFraming.LENGTH, 1).port())) {
      client.send(concat(TestFraming.LENGTH.encode("whole"), new byte[] {0, 0, 0, 9, 'p', 'a', 'r'}));
      client.halfClose();
      assertThat(TestFraming.LENGTH.readReply(client, "whole")).matches(PREFIX + "whole");
      assertThat(TestFraming.LENGTH.readReply(client, "")).isEqualTo("ERR incomplete frame at end of input (7 bytes)");
      assertThat(client.readToEnd()).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(TestFraming.class)
  void clientThatWritesWithoutReadingIsHeldBackThenGetsEveryByteBackInOrder(TestFraming framing, Vertx vertx,
    VertxTestContext ctx) {
    Checkpoint stalled = ctx.checkpoint();
    Checkpoint everyByteBack = ctx.checkpoint();
    NetClient client = vertx.createNetClient();
    TcpServerDeployment.deploy(vertx, TestConfigs.loopback(1).with("framing", framing.configName()))
      .compose(server -> client.connect(server.port(), "127.0.0.1"))
      .onComplete(ctx.succeeding(socket -> {
        NonReadingWriter writer = new NonReadingWriter(socket, framing);
        socket.pause();
        writer.writeUntilStalled();
        // An observation window, not a synchronisation: a server without backpressure would swallow everything in it.
        vertx.setTimer(1500, checked -> {
          ctx.verify(() -> assertThat(writer.payloadWritten).isLessThan(NonReadingWriter.STALL_BOUND_BYTES));
          stalled.flag();
          long sent = writer.payloadWritten;
          writer.stop();
          PayloadReader reader = new PayloadReader();
          socket.handler(chunk -> {
            reader.take(chunk);
            if (reader.payloadBytes == sent) {
              socket.close().onComplete(ctx.succeeding(closed -> everyByteBack.flag()));
            } else if (reader.payloadBytes > sent || reader.mismatch) {
              ctx.failNow("payload came back altered after " + reader.payloadBytes + " bytes");
            }
          });
          socket.resume();
          // Vert.x 5 closes a client's connections once the client is garbage collected: keep it reachable.
          ctx.verify(() -> assertThat(client).isNotNull());
        });
      }));
  }

  @Test
  void clientResettingWhileItsRepliesAreWrittenDisturbsNobody(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(2).with("framing", "line");
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (BlockingClient bystander = new BlockingClient(server.port())) {
      BlockingClient resetter = new BlockingClient(server.port());
      resetter.send(("r".repeat(1000) + "\n").repeat(4000));
      resetter.reset();
      assertThat(bystander.send("still here\n").readLine()).matches(PREFIX + "still here");
    }
    await().untilAsserted(() -> assertThat(server.openConnections()).isZero());
  }

  @Test
  void tenThousandConnectCloseCyclesLeakNoConnectionSlot(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(2).with("framing", "line").with("maxConnections", 20_000);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 10_000; i++) {
      new Socket("127.0.0.1", server.port()).close();
    }
    await().untilAsserted(() -> assertThat(server.openConnections()).isZero());
    try (BlockingClient after = new BlockingClient(server.port())) {
      assertThat(after.send("after the storm\n").readLine()).matches(PREFIX + "after the storm");
    }
  }

  private static TcpServerDeployment deploy(Vertx vertx, TestFraming framing, int instances) throws Exception {
    EchoConfig config = TestConfigs.loopback(instances).with("framing", framing.configName())
      .with("maxFrameBytes", MAX_FRAME);
    return TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
  }

  /**
   * Payload bytes come from an alphabet that neither the thread-name prefix nor a length header of these records ever
   * contains, so the payload can be picked out of the replies and checked in order.
   */
  private static final byte[] ALPHABET = "#%+=~!^".getBytes();

  private static byte payloadByte(long index) {
    return ALPHABET[(int) ((index * 7 + index / 13) % ALPHABET.length)];
  }

  /** Writes records of 1 KiB payload, framed as the server expects, until the socket's write queue stays full. */
  private static final class NonReadingWriter {
    static final long STALL_BOUND_BYTES = 48L * 1024 * 1024;
    private static final long TOTAL_BYTES = 128L * 1024 * 1024;
    private static final int RECORD_PAYLOAD = 1024;
    private static final int RECORDS_PER_WRITE = 16;

    private final NetSocket socket;
    private final TestFraming framing;
    private long payloadWritten;
    private boolean stopped;

    NonReadingWriter(NetSocket socket, TestFraming framing) {
      this.socket = socket;
      this.framing = framing;
    }

    void writeUntilStalled() {
      while (!stopped && payloadWritten < TOTAL_BYTES && !socket.writeQueueFull()) {
        Buffer next = Buffer.buffer((RECORD_PAYLOAD + 4) * RECORDS_PER_WRITE);
        for (int r = 0; r < RECORDS_PER_WRITE; r++) {
          if (framing == TestFraming.LENGTH) {
            next.appendInt(RECORD_PAYLOAD);
          }
          for (int i = 0; i < RECORD_PAYLOAD; i++) {
            next.appendByte(payloadByte(payloadWritten++));
          }
          if (framing == TestFraming.LINE) {
            next.appendByte((byte) '\n');
          }
        }
        socket.write(next);
      }
      if (!stopped && payloadWritten < TOTAL_BYTES) {
        socket.drainHandler(drained -> writeUntilStalled());
      }
    }

    void stop() {
      stopped = true;
    }
  }

  /** Counts the payload bytes in the replies and notes whether any came back changed or out of order. */
  private static final class PayloadReader {
    private long payloadBytes;
    private boolean mismatch;

    void take(Buffer chunk) {
      for (int i = 0; i < chunk.length(); i++) {
        byte b = chunk.getByte(i);
        if (isPayload(b)) {
          mismatch |= b != payloadByte(payloadBytes);
          payloadBytes++;
        }
      }
    }

    private static boolean isPayload(byte b) {
      for (byte a : ALPHABET) {
        if (a == b) {
          return true;
        }
      }
      return false;
    }
  }
}
