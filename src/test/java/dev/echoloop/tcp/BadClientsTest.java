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

import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Clients that misbehave on the wire: each is dealt with alone, and the server keeps serving everyone else. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class BadClientsTest {

  private static final String PREFIX = "vert\\.x-eventloop-thread-\\d+: ";

  private TcpServerDeployment server;

  @BeforeEach
  void deployServer(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(2).with("framing", "line").with("maxConnections", 20_000);
    server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
  }

  @Test
  void clientResettingWhileItsRepliesAreWrittenDisturbsNobody() throws Exception {
    try (BlockingClient bystander = new BlockingClient(server.port())) {
      BlockingClient resetter = new BlockingClient(server.port());
      String line = "r".repeat(1000) + "\n";
      resetter.send(line.repeat(4000));
      resetter.reset();
      assertThat(bystander.send("still here\n").readLine()).matches(PREFIX + "still here");
    }
    await().untilAsserted(() -> assertThat(server.openConnections()).isZero());
  }

  @Test
  void tenThousandConnectCloseCyclesLeakNoConnectionSlot() throws Exception {
    for (int i = 0; i < 10_000; i++) {
      new Socket("127.0.0.1", server.port()).close();
    }
    await().untilAsserted(() -> assertThat(server.openConnections()).isZero());
    try (BlockingClient after = new BlockingClient(server.port())) {
      assertThat(after.send("after the storm\n").readLine()).matches(PREFIX + "after the storm");
    }
  }

  @Test
  void nulBytesAndInvalidUtf8InALineComeBackUnchanged() throws Exception {
    try (BlockingClient client = new BlockingClient(server.port())) {
      client.send(new byte[] {'a', 0, (byte) 0xC3, (byte) 0x28, (byte) 0xFF, 'z', '\n'});
      assertThat(client.readLine()).matches(PREFIX + Pattern.quote("a\u0000\u00C3\u0028\u00FFz"));
    }
  }

  @Test
  void oversizeLineClosesOnlyThatClient() throws Exception {
    try (BlockingClient bystander = new BlockingClient(server.port());
         BlockingClient flooder = new BlockingClient(server.port())) {
      flooder.send("z".repeat(70_000));
      assertThat(flooder.readToEnd()).isEqualTo("ERR frame too long (max 65536 bytes)\n");
      assertThat(bystander.send("unaffected\n").readLine()).matches(PREFIX + "unaffected");
    }
  }
}
