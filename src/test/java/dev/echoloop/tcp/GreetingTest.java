package dev.echoloop.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.loadgen.ProxyHeader;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.Replies;
import dev.echoloop.testing.TestCertificates;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code greeting: info}: the server speaks first, with one JSON line framed like a reply, saying which node and event
 * loop serve the connection, which addresses and PROXY header (version, command) it saw, and what TLS was agreed,
 * ALPN included; echo works after it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class GreetingTest {

  @TempDir
  Path dir;

  @Test
  void theInfoLineComesFirstThenEchoWorksAsUsual(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(1).with("framing", "line").with("greeting", "info")
      .with("nodeName", "node-a");
    int port = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();

    try (BlockingClient client = new BlockingClient(port)) {
      Instant before = Instant.now();
      JsonObject info = new JsonObject(client.readLine());
      String own = "127.0.0.1:" + client.localPort();

      assertThat(info.fieldNames()).containsExactly("node", "thread", "client", "peer", "local", "proxy", "tls",
        "connectedAt");
      assertThat(info.getString("node")).isEqualTo("node-a");
      assertThat(info.getString("thread")).matches("vert\\.x-eventloop-thread-\\d+");
      assertThat(info.getString("client")).isEqualTo(own);
      assertThat(info.getString("peer")).isEqualTo(own);
      assertThat(info.getString("local")).isEqualTo("127.0.0.1:" + port);
      assertThat(info.getValue("proxy")).isNull();
      assertThat(info.getValue("tls")).isNull();
      assertThat(Instant.parse(info.getString("connectedAt"))).isBetween(before.minus(Duration.ofSeconds(5)), Instant.now());
      assertThat(client.send("hi\n").readLine()).isEqualTo(info.getString("thread") + ": hi");
    }
  }

  @Test
  void behindProxyAndMutualTlsItShowsTheHeadersAddressesAndTheTlsAgreed(Vertx vertx) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    EchoConfig config = TestConfigs.loopback(1).with("framing", "line").with("greeting", "info")
      .with("proxyProtocol", true)
      .with("tls", new JsonObject()
        .put("enabled", true)
        .put("certPath", certs.serverCert.toString())
        .put("keyPath", certs.serverKey.toString())
        .put("clientCaPath", certs.ca.toString())
        .put("clientAuth", "required"));
    int port = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();
    NetClient client = vertx.createNetClient();

    NetSocket socket = client.connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Promise<String> firstLine = Promise.promise();
    socket.handler(RecordParser.newDelimited("\n", line -> firstLine.tryComplete(line.toString())));
    ProxyHeader.send(socket, ProxyHeader.Version.V2, SocketAddress.inetSocketAddress(40123, "203.0.113.7"),
        SocketAddress.inetSocketAddress(7007, "198.51.100.1"))
      .compose(sent -> socket.upgradeToSsl(new ClientSSLOptions()
        .setHostnameVerificationAlgorithm("HTTPS")
        .setTrustOptions(new PemTrustOptions().addCertPath(certs.ca.toString()))
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certs.clientCert.toString())
          .setKeyPath(certs.clientKey.toString())), "localhost"))
      .await(10, TimeUnit.SECONDS);
    JsonObject info = new JsonObject(firstLine.future().await(10, TimeUnit.SECONDS));

    assertThat(info.getString("client")).isEqualTo("203.0.113.7:40123");
    assertThat(info.getString("peer")).isEqualTo("127.0.0.1:" + socket.localAddress().port());
    assertThat(info.getString("local")).isEqualTo("198.51.100.1:7007");
    assertThat(info.getJsonObject("proxy")).isEqualTo(new JsonObject().put("version", "v2").put("command", "PROXY")
      .put("protocol", "TCP4").put("source", "203.0.113.7:40123").put("destination", "198.51.100.1:7007"));
    JsonObject tls = info.getJsonObject("tls");
    assertThat(tls.getString("version")).startsWith("TLSv1.");
    assertThat(tls.getString("cipherSuite")).startsWith("TLS_");
    assertThat(tls.getString("sni")).isEqualTo("localhost");
    assertThat(tls.containsKey("alpn")).isTrue();
    assertThat(tls.getValue("alpn")).isNull();
    assertThat(tls.getString("clientCertificate")).isEqualTo("CN=client");
    assertThat(Replies.exchange(socket, Buffer.buffer("after the greeting\n")).await(10, TimeUnit.SECONDS).toString())
      .endsWith(": after the greeting\n");
  }

  @ParameterizedTest
  @EnumSource(ProxyHeader.Version.class)
  void theProxyFieldNamesTheHeadersVersion(ProxyHeader.Version version, Vertx vertx) throws Exception {
    int port = TcpServerDeployment.deploy(vertx, proxyInfoConfig()).await(10, TimeUnit.SECONDS).port();

    JsonObject info = firstLineAfter(vertx, port, socket -> ProxyHeader.send(socket, version,
      SocketAddress.inetSocketAddress(40123, "2001:db8::7"), SocketAddress.inetSocketAddress(7007, "2001:db8::1")));

    assertThat(info.getJsonObject("proxy")).isEqualTo(new JsonObject()
      .put("version", version == ProxyHeader.Version.V1 ? "v1" : "v2").put("command", "PROXY").put("protocol", "TCP6")
      .put("source", info.getString("client")).put("destination", info.getString("local")));
    assertThat(info.getString("client")).contains("2001:db8:").endsWith(":40123");
  }

  @ParameterizedTest
  @EnumSource(ProxyHeader.Version.class)
  void aHealthCheckHeaderShowsItsCommandWithoutAddresses(ProxyHeader.Version version, Vertx vertx) throws Exception {
    int port = TcpServerDeployment.deploy(vertx, proxyInfoConfig()).await(10, TimeUnit.SECONDS).port();
    Promise<SocketAddress> own = Promise.promise();

    JsonObject info = firstLineAfter(vertx, port, socket -> {
      own.complete(socket.localAddress());
      return ProxyHeader.sendLocal(socket, version);
    });

    // v2 has a LOCAL command; v1 has none, and says "PROXY UNKNOWN" instead.
    assertThat(info.getJsonObject("proxy")).isEqualTo(new JsonObject()
      .put("version", version == ProxyHeader.Version.V1 ? "v1" : "v2")
      .put("command", version == ProxyHeader.Version.V1 ? "PROXY" : "LOCAL")
      .put("protocol", "UNKNOWN").putNull("source").putNull("destination"));
    assertThat(info.getString("client")).isEqualTo("127.0.0.1:" + own.future().result().port());
  }

  @Test
  void aJdkClientOfferingAnAlpnProtocolTheServerOffersSeesItAgreed(Vertx vertx) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    int port = TcpServerDeployment.deploy(vertx, alpnConfig(certs)).await(10, TimeUnit.SECONDS).port();

    try (BlockingClient client = new BlockingClient(jdkTlsSocket(certs, port, "other", "echo"))) {
      JsonObject tls = new JsonObject(client.readLine()).getJsonObject("tls");
      assertThat(tls.getString("alpn")).isEqualTo("echo");
      assertThat(client.send("after ALPN\n").readLine()).endsWith(": after ALPN");
    }
    try (BlockingClient client = new BlockingClient(jdkTlsSocket(certs, port))) {
      assertThat(new JsonObject(client.readLine()).getJsonObject("tls").getValue("alpn")).isNull();
    }
  }

  /** RFC 7301 section 3.2: a server that supports none of the client's protocols ends the handshake. */
  @Test
  void aJdkClientOfferingOnlyOtherAlpnProtocolsFailsTheHandshake(Vertx vertx) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    int port = TcpServerDeployment.deploy(vertx, alpnConfig(certs)).await(10, TimeUnit.SECONDS).port();

    try (SSLSocket socket = jdkTlsSocket(certs, port, "h2")) {
      assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("no_application_protocol");
    }
    try (BlockingClient client = new BlockingClient(jdkTlsSocket(certs, port, "echo"))) {
      assertThat(new JsonObject(client.readLine()).getJsonObject("tls").getString("alpn")).isEqualTo("echo");
    }
  }

  private static EchoConfig proxyInfoConfig() {
    return TestConfigs.loopback(1).with("framing", "line").with("greeting", "info").with("proxyProtocol", true);
  }

  private static EchoConfig alpnConfig(TestCertificates certs) {
    return TestConfigs.loopback(1).with("framing", "line").with("greeting", "info")
      .with("tls", new JsonObject()
        .put("enabled", true)
        .put("certPath", certs.serverCert.toString())
        .put("keyPath", certs.serverKey.toString())
        .put("alpnProtocols", new JsonArray().add("echo").add("echo-debug")));
  }

  /** A JDK client trusting the test CA, offering {@code alpn} (none when empty). */
  private static SSLSocket jdkTlsSocket(TestCertificates certs, int port, String... alpn) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, certs.trustManagerFactory().getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    if (alpn.length > 0) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(alpn);
      socket.setSSLParameters(parameters);
    }
    return socket;
  }

  /** Connects, lets {@code first} write (a PROXY header), and returns the info line that follows. */
  private static JsonObject firstLineAfter(Vertx vertx, int port, Function<NetSocket, Future<Void>> first)
    throws Exception {
    NetClient client = vertx.createNetClient();
    NetSocket socket = client.connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Promise<String> firstLine = Promise.promise();
    socket.handler(RecordParser.newDelimited("\n", line -> firstLine.tryComplete(line.toString())));
    first.apply(socket).await(10, TimeUnit.SECONDS);
    try {
      return new JsonObject(firstLine.future().await(10, TimeUnit.SECONDS));
    } finally {
      socket.close().await(10, TimeUnit.SECONDS);
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLengthFramedServerSendsItLengthPrefixed(Vertx vertx) throws Exception {
    EchoConfig config = TestConfigs.loopback(1).with("framing", "length").with("greeting", "info");
    int port = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();

    try (BlockingClient client = new BlockingClient(port)) {
      JsonObject info = new JsonObject(new String(client.readFrame(), java.nio.charset.StandardCharsets.UTF_8));
      assertThat(info.getString("local")).isEqualTo("127.0.0.1:" + port);
    }
  }
}
