package dev.echoloop.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.InvalidConfigException;
import dev.echoloop.config.ReplyPrefix;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code replyPrefix} and {@code nodeName}: which node and which event loop a reply names, and in which bytes. */
@ExtendWith(VertxExtension.class)
class ReplyPrefixTest {

  @Test
  void theDefaultIsTheSeedsThreadNameColonSpaceByteForByte(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(1);
    assertThat(config.replyPrefix()).isEqualTo("{thread}: ");
    int port = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();

    try (BlockingClient client = new BlockingClient(port)) {
      client.send("Hello from client1").halfClose();
      assertThat(client.readToEnd()).matches("vert\\.x-eventloop-thread-\\d+: Hello from client1");
    }
  }

  @Test
  void nodeAndThreadTellWhichNodeAndWhichEventLoopServed(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(2).with("framing", "line").with("nodeName", "node-2")
      .with("replyPrefix", "{node}/{thread}: ");
    int port = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();

    try (BlockingClient client = new BlockingClient(port)) {
      assertThat(client.send("one\ntwo\n").readLines(2))
        .allMatch(line -> line.matches("node-2/vert\\.x-eventloop-thread-\\d+: (one|two)"));
    }
  }

  @Test
  void anUnknownPlaceholderIsAConfigurationErrorNamingIt() {
    assertThatThrownBy(() -> TestConfigs.loopback(1).with("replyPrefix", "{host}: "))
      .isInstanceOf(InvalidConfigException.class)
      .hasMessage("invalid configuration: replyPrefix=\"{host}: \" (unknown placeholder {host}; known: {thread}, {node})");
  }

  @Test
  void anUnsetNodeNameIsTheHostsName() {
    assertThat(TestConfigs.loopback(1).nodeName()).isNotBlank();
  }

  @Test
  void theNodeCanBeReadBackFromARenderedPrefix() {
    ReplyPrefix prefix = ReplyPrefix.parse("[{node}] {thread}: ");

    assertThat(prefix.render("eu-1", "vert.x-eventloop-thread-3")).isEqualTo("[eu-1] vert.x-eventloop-thread-3: ");
    assertThat(prefix.nodeIn("[eu-1] vert.x-eventloop-thread-3: ")).contains("eu-1");
    assertThat(ReplyPrefix.defaults().nodeIn("vert.x-eventloop-thread-3: ")).isEmpty();
  }
}
