package dev.echoloop.live;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.tcp.ServerSnapshot;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.testing.TestCertificates;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /connections}: the live view's connection table as JSON, for scripts: every open connection (up to 200, the
 * most active first) with its client, peer, event loop, counts and state, and never a byte of what the client sent.
 * Without the admin server, nothing is tracked for it.
 */
@ExtendWith(VertxExtension.class)
class ConnectionTableTest {

  private static final String PAYLOAD = "secret-payload-42";
  private final List<BlockingClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() throws Exception {
    for (BlockingClient client : clients) {
      client.close();
    }
  }

  @Test
  void showsAStalledConnectionAsFaultedAndTheServerNamesItsActiveFaults(Vertx vertx) throws Exception {
    EchoConfig config = LiveServer.config().with("faults", new JsonObject().put("stallAfterBytes", 6));
    LiveServer live = LiveServer.start(vertx, config, 4, 200);
    BlockingClient client = new BlockingClient(live.server().port());
    clients.add(client);
    // "first\n" is exactly the 6 bytes allowed: answered, and the same read stalls the connection.
    assertThat(client.send("first\n").readLine()).endsWith(": first");

    try (RawHttpClient request = RawHttpClient.get(live.adminPort(), "/connections")) {
      JsonObject row = new JsonObject(request.body()).getJsonArray("rows").getJsonObject(0);
      assertThat(row.getString("state")).isEqualTo("faulted");
    }
    try (RawHttpClient viewer = RawHttpClient.get(live.adminPort(), "/events")) {
      assertThat(viewer.nextEvent().getJsonObject("server").getString("faults")).contains("stall after 6 bytes");
    }
  }

  @Test
  void listsEachConnectionWithItsEventLoopAndCountsButNeverItsPayload(Vertx vertx) throws Exception {
    LiveServer live = LiveServer.start(vertx, 4, 1_000, 2);
    Map<String, String> eventLoopOf = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      Socket socket = new Socket("127.0.0.1", live.server().port());
      BlockingClient client = new BlockingClient(socket);
      clients.add(client);
      String reply = client.send(PAYLOAD + "\n").readLine();
      eventLoopOf.put("127.0.0.1:" + socket.getLocalPort(), reply.split(": ")[0]);
    }

    String body;
    try (RawHttpClient request = RawHttpClient.get(live.adminPort(), "/connections")) {
      assertThat(request.status).isEqualTo(200);
      assertThat(request.headers.get("content-type")).startsWith("application/json");
      body = request.body();
    }

    assertThat(body).doesNotContain(PAYLOAD);
    JsonObject table = new JsonObject(body);
    assertThat(table.getInteger("open")).isEqualTo(3);
    assertThat(table.getInteger("shown")).isEqualTo(3);
    JsonArray rows = table.getJsonArray("rows");
    for (Object each : rows) {
      JsonObject row = (JsonObject) each;
      String client = row.getString("client");
      assertThat(eventLoopOf).containsKey(client);
      assertThat(row.getString("peer")).isEqualTo(client);
      assertThat(row.getString("eventLoop")).isEqualTo(eventLoopOf.get(client));
      assertThat(row.getLong("bytesIn")).isEqualTo(PAYLOAD.length() + 1);
      assertThat(row.getLong("bytesOut")).isEqualTo(eventLoopOf.get(client).length() + 2 + PAYLOAD.length() + 1);
      assertThat(row.getLong("bytesQueued")).isZero();
      assertThat(row.getLong("messages")).isEqualTo(1);
      assertThat(row.getString("state")).isEqualTo("reading");
      assertThat(row.getString("tls")).isEmpty();
      assertThat(row.getLong("ageMillis")).isNotNegative();
    }
  }

  @Test
  void namesTheClientFromThePROXYHeaderAndTheBalancerAsPeer(Vertx vertx) throws Exception {
    LiveServer live = LiveServer.start(vertx, LiveServer.config().with("proxyProtocol", true), 4, 1_000);
    Socket socket = new Socket("127.0.0.1", live.server().port());
    BlockingClient client = new BlockingClient(socket);
    clients.add(client);
    client.send("PROXY TCP4 203.0.113.7 127.0.0.1 51000 7007\r\n").send("hello\n").readLine();

    JsonObject row = table(live).getJsonArray("rows").getJsonObject(0);

    assertThat(row.getString("client")).isEqualTo("203.0.113.7:51000");
    assertThat(row.getString("peer")).isEqualTo("127.0.0.1:" + socket.getLocalPort());
  }

  @Test
  void showsTheNegotiatedTlsVersion(Vertx vertx, @TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    EchoConfig config = LiveServer.config().with("tls", new JsonObject()
      .put("enabled", true)
      .put("certPath", certs.serverCert.toString())
      .put("keyPath", certs.serverKey.toString()));
    LiveServer live = LiveServer.start(vertx, config, 4, 1_000);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, certs.trustManagerFactory().getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", live.server().port());
    BlockingClient client = new BlockingClient(socket);
    clients.add(client);
    client.send("hello\n").readLine();

    JsonObject row = table(live).getJsonArray("rows").getJsonObject(0);

    assertThat(row.getString("tls")).isEqualTo(socket.getSession().getProtocol()).startsWith("TLSv1.");
  }

  @Test
  void aServerWithoutTheAdminServerTracksNoConnections(Vertx vertx) throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, TestConfigs.loopback(1)).await(10, TimeUnit.SECONDS);
    BlockingClient client = new BlockingClient(server.port());
    clients.add(client);
    client.send("hello").readEndingWith("hello");

    ServerSnapshot snapshot = server.snapshot(200).await(10, TimeUnit.SECONDS);

    assertThat(server.openConnections()).isEqualTo(1);
    assertThat(snapshot.open()).isZero();
    assertThat(snapshot.connections()).isEmpty();
  }

  private static JsonObject table(LiveServer live) throws IOException {
    try (RawHttpClient request = RawHttpClient.get(live.adminPort(), "/connections")) {
      return new JsonObject(request.body());
    }
  }

  @Test
  void showsAtMost200RowsWithTheMostActiveFirst(Vertx vertx) throws Exception {
    LiveServer live = LiveServer.start(vertx, 4, 1_000, 2);
    for (int i = 0; i < 210; i++) {
      clients.add(new BlockingClient(live.server().port()));
    }
    Socket busySocket = new Socket("127.0.0.1", live.server().port());
    BlockingClient busy = new BlockingClient(busySocket);
    clients.add(busy);
    for (int i = 0; i < 5; i++) {
      busy.send("again\n").readLine();
    }

    // The kernel completes a connect before Vert.x has accepted it: wait until the server has taken them all.
    JsonObject table = await().atMost(Duration.ofSeconds(10))
      .until(() -> table(live), answer -> answer.getInteger("open") == 211);
    assertThat(table.getInteger("shown")).isEqualTo(200);
    assertThat(table.getJsonArray("rows")).hasSize(200);
    JsonObject first = table.getJsonArray("rows").getJsonObject(0);
    assertThat(first.getString("client")).isEqualTo("127.0.0.1:" + busySocket.getLocalPort());
    assertThat(first.getLong("messages")).isEqualTo(5);
  }
}
