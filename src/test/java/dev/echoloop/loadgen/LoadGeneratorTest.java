package dev.echoloop.loadgen;

import dev.echoloop.testing.Ports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.TestConfigs;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.udp.UdpServerDeployment;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import dev.echoloop.testing.TestCertificates;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs the load generator's command line against an in-process echo server on loopback. */
@ExtendWith(VertxExtension.class)
class LoadGeneratorTest {

  @TempDir
  Path dir;

  @Test
  void rrOnTwoEventLoopsCountsCorrectRepliesAndLatencies(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startServer(vertx, context, UnaryOperator.identity());

    int exit = run("--mode", "rr", "--port", port, "--connections", 8, "--duration", 1, "--warmup", 0, "--label", "test",
        "--event-loops", 2);

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getString("mode")).isEqualTo("rr");
    assertThat(json.getString("label")).isEqualTo("test");
    assertThat(json.getInteger("connections")).isEqualTo(8);
    assertThat(json.getInteger("size")).isEqualTo(64);
    assertThat(json.getLong("requests")).isPositive();
    assertThat(json.getDouble("rate")).isPositive();
    assertThat(json.getLong("errors")).isZero();
    assertThat(json.getDouble("p50us")).isPositive().isLessThanOrEqualTo(json.getDouble("p99us"));
    assertThat(json.getDouble("maxus")).isGreaterThanOrEqualTo(json.getDouble("p999us"));
    // The in-process server's CPU counts too, so only its presence is certain here.
    assertThat(json.getDouble("loadgenCpu")).isPositive();
    assertThat(json.getBoolean("loadBound")).isNotNull();
  }

  @Test
  void cprConnectsSendsReadsAndClosesInALoop(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startServer(vertx, context, UnaryOperator.identity());

    int exit = run("--mode", "cpr", "--port", port, "--connections", 4, "--duration", 1, "--warmup", 0);

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getString("mode")).isEqualTo("cpr");
    assertThat(json.getLong("requests")).isPositive();
    assertThat(json.getLong("errors")).isZero();
    assertThat(json.getDouble("p50us")).isPositive();
  }

  @Test
  void streamGetsEveryByteBackInOrder(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startServer(vertx, context, UnaryOperator.identity());

    int exit = run("--mode", "stream", "--port", port, "--connections", 2, "--duration", 1, "--warmup", 0);

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getDouble("mbSentPerSec")).isPositive();
    assertThat(json.getDouble("mbReceivedPerSec")).isPositive();
    assertThat(json.getLong("errors")).isZero();
  }

  @Test
  void idleConnectionsAllAnswerAfterTheHold(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startServer(vertx, context, UnaryOperator.identity());

    int exit = run("--mode", "idle", "--port", port, "--connections", 300, "--duration", 1);

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getLong("opened")).isEqualTo(300);
    assertThat(json.getLong("answered")).isEqualTo(300);
    assertThat(json.getLong("errors")).isZero();
  }

  @Test
  void udpCountsRepliesAndLatenciesWithNothingLost(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startUdpServer(vertx, context, 1_000_000, 1_000_000);

    int exit = run("--mode", "udp", "--port", port, "--connections", 4, "--duration", 1, "--warmup", 0);

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getString("mode")).isEqualTo("udp");
    assertThat(json.getLong("requests")).isPositive();
    assertThat(json.getLong("sent")).isGreaterThanOrEqualTo(json.getLong("requests"));
    assertThat(json.getLong("timeouts")).isZero();
    assertThat(json.getLong("errors")).isZero();
    assertThat(json.getDouble("p50us")).isPositive();
  }

  @Test
  void udpCountsDatagramsTheServerDidNotAnswerAsTimeoutsNotErrors(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startUdpServer(vertx, context, 10, 5);

    int exit = run("--mode", "udp", "--port", port, "--connections", 4, "--duration", 1, "--warmup", 0,
      "--timeout-ms", 50);

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getLong("requests")).isPositive().isLessThanOrEqualTo(5 + 10 * 3);
    assertThat(json.getLong("timeouts")).isPositive();
    assertThat(json.getLong("errors")).isZero();
  }

  @Test
  void repliesThatDoNotEndWithTheMessageAreErrors(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startServer(vertx, context, chunk -> Buffer.buffer(chunk.toString().toUpperCase()));

    int exit = run("--mode", "rr", "--port", port, "--connections", 2, "--duration", 1, "--warmup", 0);

    JsonObject json = resultJson();
    assertThat(exit).isEqualTo(1);
    assertThat(json.getLong("errors")).isPositive();
    assertThat(json.getLong("requests")).isZero();
  }

  @Test
  void aChangedStreamByteIsAnError(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startServer(vertx, context, chunk -> {
      Buffer copy = chunk.copy();
      copy.setByte(copy.length() / 2, (byte) (copy.getByte(copy.length() / 2) == '%' ? '+' : '%'));
      return copy;
    });

    int exit = run("--mode", "stream", "--port", port, "--duration", 1, "--warmup", 0);

    assertThat(exit).isEqualTo(1);
    assertThat(resultJson().getLong("errors")).isEqualTo(1);
  }

  @Test
  void reconnectResendsWhatTheServerClosedOnAndCountsItRetriedNotLost(Vertx vertx, VertxTestContext context)
      throws Exception {
    int port = DrainingNodeServer.start(vertx, connection -> 3).await().actualPort();
    context.completeNow();

    int exit = run("--mode", "rr", "--port", port, "--connections", 4, "--pipeline", 4, "--duration", 1,
        "--warmup", 0, "--reconnect", "--reply-prefix", "{node}/{thread}: ");

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getLong("errors")).isZero();
    assertThat(json.getLong("reconnects")).isPositive();
    assertThat(json.getLong("retried")).isPositive();
    assertThat(json.getLong("lost")).isZero();
    assertThat(json.getLong("replied")).isEqualTo(json.getLong("sent")).isPositive();
    assertThat(json.getJsonObject("nodes").fieldNames()).containsExactlyInAnyOrder("node-1", "node-2");
  }

  @Test
  void withoutReconnectAServerCloseLosesTheUnansweredRequests(Vertx vertx, VertxTestContext context) throws Exception {
    int port = DrainingNodeServer.start(vertx, connection -> 3).await().actualPort();
    context.completeNow();

    int exit = run("--mode", "rr", "--port", port, "--connections", 2, "--pipeline", 4, "--duration", 1,
        "--warmup", 0);

    JsonObject json = resultJson();
    assertThat(exit).isEqualTo(1);
    assertThat(json.getLong("lost")).isPositive();
    assertThat(json.getLong("replied") + json.getLong("lost")).isEqualTo(json.getLong("sent"));
  }

  @Test
  void cprReconnectSendsAgainARequestClosedWithoutReply(Vertx vertx, VertxTestContext context) throws Exception {
    int port = DrainingNodeServer.start(vertx, connection -> connection % 3 == 0 ? 0 : 1).await().actualPort();
    context.completeNow();

    int exit = run("--mode", "cpr", "--port", port, "--connections", 2, "--duration", 1, "--warmup", 0,
        "--reconnect", "--reply-prefix", "{node}/{thread}: ");

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getLong("retried")).isPositive();
    assertThat(json.getLong("lost")).isZero();
    assertThat(json.getLong("replied")).isEqualTo(json.getLong("sent"));
    assertThat(json.getJsonObject("nodes").fieldNames()).containsExactlyInAnyOrder("node-1", "node-2");
    assertThat(json.getLong("closes")).as("orderly closes before a reply").isPositive();
    assertThat(json.getLong("resets")).isZero();
  }

  @Test
  void cprCountsEveryConnectionARefusingServerResetsAsAReset(Vertx vertx, VertxTestContext context) throws Exception {
    // Every connection refused, and no --reconnect: each request is lost to a reset, which a random share and retries
    // would leave to chance.
    int port = startFaultyServer(vertx, context, new JsonObject().put("refuseProbability", 1));

    int exit = run("--mode", "cpr", "--port", port, "--connections", 2, "--duration", 1, "--warmup", 0);

    JsonObject json = resultJson();
    assertThat(exit).isEqualTo(1);
    assertThat(json.getLong("sent")).isPositive();
    assertThat(json.getLong("replied")).isZero();
    assertThat(json.getLong("resets")).isEqualTo(json.getLong("sent")).isEqualTo(json.getLong("lost"));
    assertThat(json.getLong("closes")).isZero();
  }

  @Test
  void cprCountsTimeoutsAndLateRepliesOfADelayingServer(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startFaultyServer(vertx, context, new JsonObject().put("delayMillis", 200));

    int exit = run("--mode", "cpr", "--port", port, "--connections", 2, "--duration", 1, "--warmup", 0,
        "--timeout-ms", 50);

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getLong("timeouts")).isPositive();
    assertThat(json.getLong("late")).isEqualTo(json.getLong("timeouts"));
    assertThat(json.getLong("resets")).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"fin", "rst"})
  void rrTellsResetsFromOrderlyClosesOfAFaultyServer(String closeWith, Vertx vertx, VertxTestContext context)
      throws Exception {
    int port = startFaultyServer(vertx, context, new JsonObject().put("closeAfterMessages", 3).put("closeWith", closeWith));

    int exit = run("--mode", "rr", "--port", port, "--connections", 2, "--duration", 1, "--warmup", 0, "--reconnect");

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    if (closeWith.equals("rst")) {
      assertThat(json.getLong("resets")).isPositive();
      assertThat(json.getLong("closes")).isZero();
    } else {
      // Not every one: a request written just as the FIN arrives meets a closed socket, which answers with a reset.
      assertThat(json.getLong("closes")).isPositive();
    }
    assertThat(json.getLong("replied")).isPositive();
    assertThat(json.getLong("lost")).isZero();
  }

  @Test
  void rrCountsTimeoutsAndLateRepliesOfADelayingServer(Vertx vertx, VertxTestContext context) throws Exception {
    int port = startFaultyServer(vertx, context, new JsonObject().put("delayMillis", 200));

    int exit = run("--mode", "rr", "--port", port, "--connections", 2, "--duration", 1, "--warmup", 0,
        "--timeout-ms", 50);

    JsonObject json = resultJson();
    assertThat(exit).isZero();
    assertThat(json.getLong("timeouts")).isPositive();
    assertThat(json.getLong("late")).isPositive().isLessThanOrEqualTo(json.getLong("timeouts"));
    assertThat(json.getLong("resets")).isZero();
    assertThat(json.getLong("closes")).isZero();
  }

  @ParameterizedTest
  @EnumSource(ProxyHeader.Version.class)
  void proxyHeaderIsSentBeforeTheFirstRequest(ProxyHeader.Version version, Vertx vertx, VertxTestContext context)
      throws Exception {
    List<String> clients = new CopyOnWriteArrayList<>();
    int port = vertx.createNetServer(new NetServerOptions().setUseProxyProtocol(true))
        .connectHandler(socket -> {
          clients.add(socket.remoteAddress().toString());
          socket.handler(chunk -> socket.write(Buffer.buffer("t: ").appendBuffer(chunk)));
        })
        .listen(0, "127.0.0.1").await().actualPort();
    context.completeNow();

    int exit = run("--mode", "rr", "--port", port, "--connections", 2, "--duration", 1, "--warmup", 0,
        "--proxy-header", version.name().toLowerCase());

    assertThat(exit).isZero();
    assertThat(resultJson().getLong("replied")).isPositive();
    assertThat(clients).hasSize(2).allMatch(client -> client.startsWith("127.0.0.1:"));
  }

  @Test
  void proxyHeaderGoesBeforeTheTlsHandshake(Vertx vertx, VertxTestContext context) throws Exception {
    TestCertificates certs = TestCertificates.create(Files.createDirectories(dir.resolve("certs")));
    int port = vertx.createNetServer(new NetServerOptions().setUseProxyProtocol(true).setSsl(true)
            .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certs.serverCert.toString())
                .setKeyPath(certs.serverKey.toString())))
        .connectHandler(socket -> socket.handler(chunk -> socket.write(Buffer.buffer("t: ").appendBuffer(chunk))))
        .listen(0, "127.0.0.1").await().actualPort();
    context.completeNow();

    int exit = run("--mode", "rr", "--port", port, "--connections", 2, "--duration", 1, "--warmup", 0,
        "--proxy-header", "v2", "--tls", "--trust", certs.ca);

    assertThat(exit).isZero();
    assertThat(resultJson().getLong("replied")).isPositive();
  }

  @Test
  void aRefusedConnectionExitsWithOne() throws Exception {
    int closedPort = Ports.freePort();

    int exit = run("--mode", "rr", "--port", closedPort, "--duration", 1, "--warmup", 0);

    assertThat(exit).isEqualTo(1);
    assertThat(dir.resolve("result.json")).doesNotExist();
  }

  @Test
  void refusesHostsOtherThanLoopback() {
    int exit = LoadGenerator.commandLine().execute("--mode", "rr", "--host", "10.0.0.1", "--port", "7");

    assertThat(exit).isEqualTo(2);
  }

  @Test
  void cprRefusesASizeItWouldNotUse() {
    int exit = LoadGenerator.commandLine().execute("--mode", "cpr", "--port", "7", "--size", "1000");

    assertThat(exit).isEqualTo(2);
  }

  @Test
  void refusesAnUnknownMode() {
    int exit = LoadGenerator.commandLine().execute("--mode", "flood", "--port", "7");

    assertThat(exit).isEqualTo(2);
  }

  private int startServer(Vertx vertx, VertxTestContext context, UnaryOperator<Buffer> transform) throws Exception {
    int port = PrefixEchoServer.start(vertx, transform).await().actualPort();
    context.completeNow();
    return port;
  }

  private int startFaultyServer(Vertx vertx, VertxTestContext context, JsonObject faults) throws Exception {
    EchoConfig config = TestConfigs.loopback(1).with("faults", faults);
    int port = TcpServerDeployment.deploy(vertx, config).await().port();
    context.completeNow();
    return port;
  }

  private int startUdpServer(Vertx vertx, VertxTestContext context, int perSource, int burst) throws Exception {
    EchoConfig config = TestConfigs.loopback(1).with("udp", new JsonObject().put("enabled", true).put("port", 0)
      .put("maxRepliesPerSecondPerSource", perSource).put("burstPerSource", burst).put("maxRepliesPerSecond", 10_000_000));
    int port = UdpServerDeployment.deploy(vertx, config).await().port();
    context.completeNow();
    return port;
  }

  private int run(Object... args) {
    List<String> all = new ArrayList<>();
    for (Object arg : args) {
      all.add(String.valueOf(arg));
    }
    all.add("--json");
    all.add(dir.resolve("result.json").toString());
    return LoadGenerator.commandLine().execute(all.toArray(String[]::new));
  }

  private JsonObject resultJson() throws IOException {
    return new JsonObject(Files.readString(dir.resolve("result.json")));
  }
}
