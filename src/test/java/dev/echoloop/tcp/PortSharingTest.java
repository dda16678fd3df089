package dev.echoloop.tcp;

import dev.echoloop.testing.CapturedLog;
import dev.echoloop.testing.Replies;
import dev.echoloop.testing.TestConfigs;
import dev.echoloop.testing.Ports;

import ch.qos.logback.classic.Level;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class PortSharingTest {

  private static final int CONNECTIONS = 16;

  @Test
  void instancesAskedForPortZeroShareOneRandomPortAndSpreadConnections(Vertx vertx, VertxTestContext ctx) {
    TcpServerDeployment.deploy(vertx, TestConfigs.loopback(4))
      .compose(server -> threadsServingSequentialConnections(vertx, server.port()))
      .onComplete(ctx.succeeding(threads -> ctx.verify(() -> {
        assertThat(threads).hasSizeGreaterThanOrEqualTo(2).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
        ctx.completeNow();
      })));
  }

  @Test
  void hostNameBindsTheOneAddressItResolvesToAndTheStartLineNamesThatAddress(Vertx vertx) throws Exception {
    try (CapturedLog startLine = CapturedLog.of(TcpServerDeployment.class)) {
      TcpServerDeployment server = TcpServerDeployment.deploy(vertx, TestConfigs.loopback(2).with("host", "localhost"))
        .await(10, TimeUnit.SECONDS);
      assertThat(server.host()).isIn("127.0.0.1", "[::1]");
      assertThat(startLine.messages(Level.INFO)).singleElement().asString()
        .startsWith("echoloop listening on " + server.host() + ":" + server.port() + " ");
      String literal = server.host().replace("[", "").replace("]", "");
      try (Socket bound = new Socket(InetAddress.getByName(literal), server.port())) {
        assertThat(bound.isConnected()).isTrue();
      }
    }
  }

  @Test
  void anIpv6AddressIsBoundAsWrittenWithoutTheResolver(Vertx vertx) throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, TestConfigs.loopback(2).with("host", "::1"))
      .await(10, TimeUnit.SECONDS);
    InetAddress bound = InetAddress.getByName(server.host().replace("[", "").replace("]", ""));
    assertThat(bound).isInstanceOf(Inet6Address.class).matches(InetAddress::isLoopbackAddress);
    try (Socket client = new Socket(bound, server.port())) {
      assertThat(client.isConnected()).isTrue();
    }
  }

  @Test
  void instancesOnAFixedPortShareItAndSpreadConnections(Vertx vertx, VertxTestContext ctx) throws Exception {
    int port = Ports.freePort();
    TcpServerDeployment.deploy(vertx, TestConfigs.loopback(4).withPort(port))
      .compose(server -> {
        ctx.verify(() -> assertThat(server.port()).isEqualTo(port));
        return threadsServingSequentialConnections(vertx, port);
      })
      .onComplete(ctx.succeeding(threads -> ctx.verify(() -> {
        assertThat(threads).hasSize(4);
        ctx.completeNow();
      })));
  }

  /** Opens connections one after the other, as the Python example's clients did, and collects who served each. */
  private static Future<Set<String>> threadsServingSequentialConnections(Vertx vertx, int port) {
    NetClient client = vertx.createNetClient();
    Set<String> threads = new HashSet<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 1; i <= CONNECTIONS; i++) {
      Buffer message = Buffer.buffer("Hello from client" + i);
      chain = chain.compose(previous -> client.connect(port, "127.0.0.1")
        .compose(socket -> Replies.exchange(socket, message)
          .compose(reply -> {
            threads.add(Replies.threadName(reply));
            return socket.close();
          })));
    }
    return chain.map(done -> threads);
  }
}
