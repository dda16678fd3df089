package dev.echoloop.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.echoloop.config.EchoConfig;
import dev.echoloop.loadgen.ProxyHeader;
import dev.echoloop.ops.Metrics;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.CapturedLog;
import dev.echoloop.testing.Replies;
import dev.echoloop.testing.TestCertificates;
import dev.echoloop.testing.TestConfigs;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.micrometer.backends.BackendRegistries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * {@code proxyProtocol}: the PROXY header's client is the one echoloop reports, with or without TLS after it; a
 * balancer's health check (LOCAL, UNKNOWN) is served with the socket's own addresses; a connection without a valid
 * header, or none within the timeout, is closed and counted, and the server keeps serving everyone else.
 */
@Timeout(60)
class ProxyProtocolTest {

  /** A documentation address (RFC 5737): nothing on this machine connects from it, so only the header can name it. */
  private static final SocketAddress CLIENT = SocketAddress.inetSocketAddress(40123, "203.0.113.7");
  private static final SocketAddress REACHED = SocketAddress.inetSocketAddress(7007, "198.51.100.1");

  @TempDir
  Path dir;

  private Vertx vertx;
  /** Vert.x 5 closes a client's connections once the client is garbage collected, so the test holds them here. */
  private final List<NetClient> clients = new ArrayList<>();
  private final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();
  private final Logger accessLog = (Logger) LoggerFactory.getLogger("echoloop.access");

  @BeforeEach
  void startVertxWithMetricsAndWatchTheAccessLog() {
    vertx = Vertx.builder().with(Metrics.enable(new VertxOptions())).build();
    accessLines.start();
    accessLog.addAppender(accessLines);
  }

  @AfterEach
  void stop() throws Exception {
    accessLog.detachAppender(accessLines);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(ProxyHeader.Version.class)
  void theHeadersClientIsTheOneInTheAccessLog(ProxyHeader.Version version) throws Exception {
    int port = deploy(proxyConfig());

    NetSocket socket = connect(port);
    ProxyHeader.send(socket, version, CLIENT, REACHED).await(10, TimeUnit.SECONDS);
    assertThat(exchange(socket, "hello")).endsWith(": hello\n");
    socket.close().await(10, TimeUnit.SECONDS);

    assertThat(accessLine()).startsWith("client=203.0.113.7:40123 peer=127.0.0.1:" + socket.localAddress().port() + " ");
  }

  @ParameterizedTest
  @EnumSource(ProxyHeader.Version.class)
  void theHeaderComesBeforeTheTlsHandshake(ProxyHeader.Version version) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    int port = deploy(proxyConfig().with("tls", new JsonObject()
      .put("enabled", true)
      .put("certPath", certs.serverCert.toString())
      .put("keyPath", certs.serverKey.toString())));

    NetSocket socket = connect(port);
    // The upgrade must start on the socket's event loop, where the header's write completes.
    ProxyHeader.send(socket, version, CLIENT, REACHED)
      .compose(sent -> socket.upgradeToSsl(new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS")
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.ca.toString()))))
      .await(10, TimeUnit.SECONDS);
    assertThat(socket.isSsl()).isTrue();
    assertThat(exchange(socket, "secret")).endsWith(": secret\n");
    socket.close().await(10, TimeUnit.SECONDS);

    assertThat(accessLine()).startsWith("client=203.0.113.7:40123 peer=127.0.0.1:");
  }

  @ParameterizedTest
  @EnumSource(ProxyHeader.Version.class)
  void aHealthCheckHeaderIsServedWithTheSocketsOwnAddresses(ProxyHeader.Version version) throws Exception {
    int port = deploy(proxyConfig());

    NetSocket socket = connect(port);
    ProxyHeader.sendLocal(socket, version).await(10, TimeUnit.SECONDS);
    assertThat(exchange(socket, "check")).endsWith(": check\n");
    socket.close().await(10, TimeUnit.SECONDS);

    String own = "127.0.0.1:" + socket.localAddress().port();
    assertThat(accessLine()).startsWith("client=" + own + " peer=" + own + " ");
  }

  @Test
  void aConnectionThatSendsNoHeaderIsClosedAtTheTimeoutLoggedCountedAndOthersAreServed() throws Exception {
    int port = deploy(proxyConfig());
    Logger watchLog = (Logger) LoggerFactory.getLogger(ProxyHeaderWatch.class);
    Level previousLevel = watchLog.getLevel();
    watchLog.setLevel(Level.DEBUG);

    try (CapturedLog log = CapturedLog.of(ProxyHeaderWatch.class); BlockingClient silent = new BlockingClient(port)) {
      long started = System.nanoTime();
      assertThat(silent.readToEnd()).isEmpty();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(900);
      await().untilAsserted(() -> assertThat(proxyRejections()).isEqualTo(1));
      assertThat(log.messages(Level.DEBUG)).containsExactly("closed connection from /127.0.0.1:" + silent.localPort()
        + ": no PROXY protocol header within 1 s");
    } finally {
      watchLog.setLevel(previousLevel);
    }
    NetSocket socket = connect(port);
    ProxyHeader.send(socket, ProxyHeader.Version.V2, CLIENT, REACHED).await(10, TimeUnit.SECONDS);
    assertThat(exchange(socket, "still here")).endsWith(": still here\n");
    socket.close().await(10, TimeUnit.SECONDS);
    // Only the served connection has an access-log line: the rejected one never reached the echo protocol.
    assertThat(accessLine()).startsWith("client=203.0.113.7:40123 ");
    assertThat(proxyRejections()).isEqualTo(1);
  }

  /** The header comes before the handshake, so a TLS client that never sends one waits out the same deadline. */
  @Test
  void everyInstanceOfATlsServerClosesAndCountsConnectionsWithoutHeader() throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    int port = deploy(TestConfigs.loopback(2)
      .with("proxyProtocol", true)
      .with("proxyProtocolTimeoutSeconds", 1)
      .with("tls", new JsonObject()
        .put("enabled", true)
        .put("certPath", certs.serverCert.toString())
        .put("keyPath", certs.serverKey.toString())));

    // Two connections, handed round-robin to the two instances' event loops.
    try (BlockingClient first = new BlockingClient(port); BlockingClient second = new BlockingClient(port)) {
      assertThat(first.readToEnd()).isEmpty();
      assertThat(second.readToEnd()).isEmpty();
    }

    await().untilAsserted(() -> assertThat(proxyRejections()).isEqualTo(2));
    assertThat(BackendRegistries.getDefaultNow().find("echoloop.rejected").tag("reason", "proxy").counters())
      .filteredOn(counter -> counter.count() == 1).hasSize(2);
  }

  /** Vert.x's own PROXY timeout is an idle timeout, which every byte restarts; echoloop's runs from the accept. */
  @Test
  void aClientDribblingItsHeaderIsClosedAtTheDeadline() throws Exception {
    int port = deploy(proxyConfig());
    byte[] header = "PROXY TCP4 203.0.113.7 198.51.100.1 40123 7007\r\n".getBytes(StandardCharsets.US_ASCII);

    NetSocket socket = connect(port);
    Promise<Void> closed = Promise.promise();
    socket.closeHandler(closed::tryComplete);
    long started = System.nanoTime();
    // One byte every 200 ms: the whole header would take 9 s, and Vert.x's idle timeout of 1 s never runs out.
    AtomicInteger sent = new AtomicInteger();
    long timer = vertx.setPeriodic(200, id -> {
      if (sent.get() < header.length) {
        socket.write(Buffer.buffer(new byte[] {header[sent.getAndIncrement()]}));
      }
    });
    try {
      closed.future().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.cancelTimer(timer);
    }

    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(900L, 4_000L);
    assertThat(sent.get()).isLessThan(header.length);
    await().untilAsserted(() -> assertThat(proxyRejections()).isEqualTo(1));
  }

  @Test
  void anInvalidHeaderIsClosedAndCountedAsRejectedForProxy() throws Exception {
    int port = deploy(proxyConfig());

    try (BlockingClient client = new BlockingClient(port)) {
      assertThat(client.send("GET / HTTP/1.1\r\n\r\n").readToEnd()).isEmpty();
    }

    await().untilAsserted(() -> assertThat(proxyRejections()).isEqualTo(1));
  }

  @Test
  void withoutProxyProtocolAHeaderIsJustData() throws Exception {
    int port = deploy(TestConfigs.loopback(1).with("framing", "line").with("accessLog", true));

    try (BlockingClient client = new BlockingClient(port)) {
      assertThat(client.send("PROXY TCP4 203.0.113.7 198.51.100.1 40123 7007\r\n").readLine())
        .endsWith(": PROXY TCP4 203.0.113.7 198.51.100.1 40123 7007\r");
    }
    assertThat(accessLine()).matches("client=127\\.0\\.0\\.1:(\\d+) peer=127\\.0\\.0\\.1:\\1 .*");
  }

  private EchoConfig proxyConfig() {
    return TestConfigs.loopback(1)
      .with("framing", "line")
      .with("accessLog", true)
      .with("proxyProtocol", true)
      .with("proxyProtocolTimeoutSeconds", 1);
  }

  private int deploy(EchoConfig config) throws Exception {
    return TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();
  }

  private NetSocket connect(int port) throws Exception {
    NetClient client = vertx.createNetClient();
    clients.add(client);
    return client.connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  private static String exchange(NetSocket socket, String line) throws Exception {
    Future<Buffer> reply = Replies.exchange(socket, Buffer.buffer(line + "\n"));
    return reply.await(10, TimeUnit.SECONDS).toString();
  }

  /** The one access-log line, once the server has seen the close. */
  private String accessLine() {
    await().untilAsserted(() -> assertThat(accessLines.list).hasSize(1));
    return accessLines.list.get(0).getFormattedMessage();
  }

  private double proxyRejections() {
    return BackendRegistries.getDefaultNow().find("echoloop.rejected").tag("reason", "proxy").counters().stream()
      .mapToDouble(Counter::count)
      .sum();
  }
}
