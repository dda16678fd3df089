package dev.echoloop.tcp;

import dev.echoloop.testing.Replies;
import dev.echoloop.testing.TestConfigs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class EchoReplyTest {

  private TcpServerDeployment server;
  private NetClient client;

  @BeforeEach
  void deployServer(Vertx vertx, VertxTestContext ctx) {
    TcpServerDeployment.deploy(vertx, TestConfigs.loopback(2))
      .onComplete(ctx.succeeding(deployed -> {
        server = deployed;
        client = vertx.createNetClient();
        ctx.completeNow();
      }));
  }

  @Test
  void repliesWithThreadNameAndExactBytes(Vertx vertx, VertxTestContext ctx) {
    Buffer message = Buffer.buffer("Hello from client1");
    connect(vertx)
      .compose(socket -> Replies.exchange(socket, message).andThen(done -> socket.close()))
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        String text = reply.toString(StandardCharsets.UTF_8);
        assertThat(text).matches("vert\\.x-eventloop-thread-\\d+: Hello from client1");
        ctx.completeNow();
      })));
  }

  @Test
  void repliesWithBinaryBytesUnchanged(Vertx vertx, VertxTestContext ctx) {
    // NUL, invalid UTF-8 (a lone continuation byte, an overlong form) and every other byte value.
    Buffer message = Buffer.buffer(new byte[] {0, (byte) 0x80, (byte) 0xC0, (byte) 0xAF, (byte) 0xFF, '\r', '\n'});
    for (int b = 0; b < 256; b++) {
      message.appendByte((byte) b);
    }
    connect(vertx)
      .compose(socket -> Replies.exchange(socket, message).andThen(done -> socket.close()))
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        String prefix = Replies.threadName(reply) + ": ";
        assertThat(reply.length()).isEqualTo(prefix.length() + message.length());
        assertThat(reply.getBuffer(prefix.length(), reply.length())).isEqualTo(message);
        ctx.completeNow();
      })));
  }

  @Test
  void servesManyMessagesOnOneConnection(Vertx vertx, VertxTestContext ctx) {
    int messages = 50;
    connect(vertx).onComplete(ctx.succeeding(socket -> {
      Future<Buffer> exchanges = Future.succeededFuture();
      for (int i = 1; i <= messages; i++) {
        Buffer message = Buffer.buffer("message " + i);
        exchanges = exchanges.compose(previous -> Replies.exchange(socket, message)
          .andThen(ctx.succeeding(reply -> ctx.verify(() ->
            assertThat(reply.toString()).endsWith(": " + message)))));
      }
      exchanges.compose(done -> socket.close()).onComplete(ctx.succeedingThenComplete());
    }));
  }

  private Future<NetSocket> connect(Vertx vertx) {
    return client.connect(server.port(), "127.0.0.1");
  }
}
