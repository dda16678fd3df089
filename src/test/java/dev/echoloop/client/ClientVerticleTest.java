package dev.echoloop.client;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.testing.TestConfigs;
import dev.echoloop.testing.Ports;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;


import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class ClientVerticleTest {

  @Test
  void sendsThreeHellosEachOnItsOwnConnectionAndReceivesTheirReplies(Vertx vertx, VertxTestContext ctx) {
    EchoConfig config = TestConfigs.loopback(2);
    TcpServerDeployment.deploy(vertx, config).compose(server -> {
      ClientVerticle client = new ClientVerticle(config.withPort(server.port()));
      return vertx.deployVerticle(client).map(id -> client.replies());
    }).onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
      assertThat(replies).hasSize(3);
      for (int i = 0; i < 3; i++) {
        assertThat(replies.get(i)).matches("vert\\.x-eventloop-thread-\\d+: Hello from client" + (i + 1));
      }
      ctx.completeNow();
    })));
  }

  @Test
  void failsWithOneClearLineWhenNothingListens(Vertx vertx, VertxTestContext ctx) throws Exception {
    int closedPort = Ports.freePort();
    vertx.deployVerticle(new ClientVerticle(TestConfigs.loopback(1).withPort(closedPort)))
      .onComplete(ctx.failing(failure -> ctx.verify(() -> {
        assertThat(failure).isInstanceOf(ClientException.class);
        assertThat(failure.getMessage())
          .startsWith("cannot connect to 127.0.0.1:" + closedPort)
          .doesNotContain("\n");
        assertThat(failure.getStackTrace()).isEmpty();
        ctx.completeNow();
      })));
  }

  @Test
  void failsWithinItsTimeoutWhenTheServerNeverReplies(Vertx vertx, VertxTestContext ctx) {
    NetServer silent = vertx.createNetServer().connectHandler(socket -> socket.handler(ignored -> { }));
    silent.listen(0, "127.0.0.1")
      .compose(bound -> vertx.deployVerticle(new ClientVerticle(
        TestConfigs.loopback(1).withPort(bound.actualPort()).with("clientTimeoutSeconds", 1))))
      .onComplete(ctx.failing(failure -> ctx.verify(() -> {
        assertThat(failure).isInstanceOf(ClientException.class)
          .hasMessage("no reply from 127.0.0.1:" + silent.actualPort() + " within 1 s");
        ctx.completeNow();
      })));
  }
}
