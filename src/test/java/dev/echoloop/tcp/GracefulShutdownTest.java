package dev.echoloop.tcp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.Replies;
import dev.echoloop.testing.TestConfigs;
import dev.echoloop.testing.Ports;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class GracefulShutdownTest {

  @Test
  void connectedClientIsStillServedDuringUndeployAndNewConnectionsAreRefusedAfter(Vertx vertx, VertxTestContext ctx) {
    // Long enough that finishing early proves the undeploy waited for the client, not for the timeout.
    EchoConfig patient = TestConfigs.loopback(2).with("shutdownTimeoutSeconds", 30).with("drain", "wait");
    NetClient client = vertx.createNetClient();
    Checkpoint servedDuringShutdown = ctx.checkpoint();
    Checkpoint refusedAfter = ctx.checkpoint();

    TcpServerDeployment.deploy(vertx, patient).onComplete(ctx.succeeding(server ->
      client.connect(server.port(), "127.0.0.1").onComplete(ctx.succeeding(socket -> {
        long started = System.nanoTime();
        Future<Void> undeployed = Replies.exchange(socket, Buffer.buffer("before shutdown"))
          .compose(first -> {
            Future<Void> undeploy = server.undeploy();
            return Replies.exchange(socket, Buffer.buffer("during shutdown"))
              .andThen(ctx.succeeding(reply -> ctx.verify(() -> {
                assertThat(reply.toString()).endsWith(": during shutdown");
                servedDuringShutdown.flag();
              })))
              .compose(reply -> socket.close())
              .compose(closed -> undeploy);
          });
        undeployed.onComplete(ctx.succeeding(done -> {
          ctx.verify(() -> assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(patient.shutdownTimeoutSeconds()));
          client.connect(server.port(), "127.0.0.1").onComplete(ctx.failing(refused -> refusedAfter.flag()));
        }));
      }))));
  }

  @Test
  void connectionStillOpenAtTheTimeoutIsClosed(Vertx vertx, VertxTestContext ctx) {
    EchoConfig config = TestConfigs.loopback(1).with("shutdownTimeoutSeconds", 1);
    Checkpoint closedByServer = ctx.checkpoint();
    NetClient client = vertx.createNetClient();
    TcpServerDeployment.deploy(vertx, config).onComplete(ctx.succeeding(server ->
      client.connect(server.port(), "127.0.0.1").onComplete(ctx.succeeding((NetSocket socket) -> {
        socket.closeHandler(closed -> {
          ctx.verify(() -> assertThat(client).isNotNull());
          closedByServer.flag();
        });
        server.undeploy().onComplete(ctx.succeeding(done -> { }));
      }))));
  }

  @Test
  void undeployingOneOfTwoServersOnAPortLeavesTheOtherServingItsClients(Vertx vertx, VertxTestContext ctx) throws Exception {
    int port = Ports.freePort();
    EchoConfig config = TestConfigs.loopback(1).with("shutdownTimeoutSeconds", 1).withPort(port);
    NetClient client = vertx.createNetClient();
    TcpServerDeployment.deploy(vertx, config).onComplete(ctx.succeeding(first ->
      TcpServerDeployment.deploy(vertx, config).onComplete(ctx.succeeding(second -> {
        // Connections are handed out in turn, so of two consecutive ones each server gets one.
        Future<NetSocket> a = client.connect(first.port(), "127.0.0.1");
        Future<NetSocket> b = a.compose(ignored -> client.connect(first.port(), "127.0.0.1"));
        Future.all(a, b)
          .compose(both -> Future.all(
            Replies.exchange(a.result(), Buffer.buffer("to a")), Replies.exchange(b.result(), Buffer.buffer("to b"))))
          .compose(replies -> first.undeploy())
          .compose(undeployed -> {
            Future<Buffer> afterA = Replies.exchange(a.result(), Buffer.buffer("after undeploy"));
            Future<Buffer> afterB = Replies.exchange(b.result(), Buffer.buffer("after undeploy"));
            return Future.join(afterA, afterB).transform(settled ->
              Future.succeededFuture(List.of(afterA.succeeded(), afterB.succeeded())));
          })
          .compose(served -> {
            // The undeployed server closed its connection at its timeout; the other server's connection lives on.
            ctx.verify(() -> assertThat(served).containsExactlyInAnyOrder(true, false));
            return client.connect(first.port(), "127.0.0.1");
          })
          .compose(fresh -> Replies.exchange(fresh, Buffer.buffer("new connection")))
          .andThen(ctx.succeeding(reply -> ctx.verify(() -> assertThat(reply.toString()).endsWith(": new connection"))))
          // Connections left open would hold up closing Vert.x: its own client would wait for them to end.
          .compose(reply -> client.close())
          .onComplete(ctx.succeedingThenComplete());
      }))));
  }
}
