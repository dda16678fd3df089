package dev.echoloop.tcp;

import dev.echoloop.EcholoopApplication;
import dev.echoloop.client.ClientVerticle;
import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.CapturedLog;
import dev.echoloop.testing.LaunchedProcess;
import dev.echoloop.testing.Replies;
import dev.echoloop.testing.TestCertificates;
import dev.echoloop.testing.TestConfigs;

import dev.echoloop.loadgen.LoadGenerator;
import ch.qos.logback.classic.Level;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ExtendWith(VertxExtension.class)
@Timeout(60)
class TlsTest {

  @TempDir
  Path dir;

  private TestCertificates certs;
  /** Vert.x 5 closes a client's connections once the client is garbage collected, so the test holds them here. */
  private final List<NetClient> clients = new ArrayList<>();

  @BeforeEach
  void makeCertificates() throws Exception {
    certs = TestCertificates.create(dir);
  }

  @Test
  void clientVerticleGetsItsThreeRepliesOverTls(Vertx vertx) throws Exception {
    EchoConfig config = tlsConfig("none");
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    ClientVerticle client = new ClientVerticle(config.withPort(server.port()).with("tls.trustPath", certs.ca.toString()));
    vertx.deployVerticle(client).await(10, TimeUnit.SECONDS);
    assertThat(client.replies()).hasSize(3).allMatch(reply -> reply.matches("vert\\.x-eventloop-thread-\\d+: Hello from client\\d"));
  }

  @Test
  void mutualTlsAcceptsAClientCertificateSignedByTheClientCa(Vertx vertx) throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, tlsConfig("required")).await(10, TimeUnit.SECONDS);
    NetSocket socket = client(vertx, trusting().setKeyCertOptions(
        new PemKeyCertOptions().setCertPath(certs.clientCert.toString()).setKeyPath(certs.clientKey.toString())))
      .connect(server.port(), "127.0.0.1").await(10, TimeUnit.SECONDS);
    Buffer reply = Replies.exchange(socket, Buffer.buffer("with a certificate")).await(10, TimeUnit.SECONDS);
    assertThat(reply.toString()).endsWith(": with a certificate");
    socket.close();
  }

  @Test
  void mutualTlsRefusesClientsWithoutACertificateOrWithAStrangersOne(Vertx vertx) throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, tlsConfig("required")).await(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> exchangeOnce(vertx, trusting(), server.port())).isNotNull();
    NetClientOptions stranger = trusting().setKeyCertOptions(
      new PemKeyCertOptions().setCertPath(certs.strangerCert.toString()).setKeyPath(certs.strangerKey.toString()));
    assertThatThrownBy(() -> exchangeOnce(vertx, stranger, server.port())).isNotNull();
    // The refused handshakes cost nothing: the server still serves a proper client.
    NetClientOptions proper = trusting().setKeyCertOptions(
      new PemKeyCertOptions().setCertPath(certs.clientCert.toString()).setKeyPath(certs.clientKey.toString()));
    assertThat(exchangeOnce(vertx, proper, server.port())).endsWith(": probe");
  }

  @Test
  void plaintextClientOnTheTlsPortIsClosedWithoutAnEcho(Vertx vertx) throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, tlsConfig("none")).await(10, TimeUnit.SECONDS);
    try (BlockingClient plaintext = new BlockingClient(server.port())) {
      assertThat(plaintext.send("Hello in the clear\n").readToEnd()).doesNotContain("Hello in the clear");
    }
    await().untilAsserted(() -> assertThat(server.openConnections()).isZero());
  }

  @Test
  void handshakeThatNeverStartsIsClosedAfterTheHandshakeTimeout(Vertx vertx) throws Exception {
    EchoConfig config = tlsConfig("none").with("tls.handshakeTimeoutSeconds", 1);
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
    try (BlockingClient silent = new BlockingClient(server.port()); BlockingClient proper = new BlockingClient(server.port())) {
      long started = System.nanoTime();
      assertThat(silent.readToEnd()).isEmpty();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(500L, 8_000L);
      assertThat(exchangeOnce(vertx, trusting(), server.port())).endsWith(": probe");
    }
  }

  @Test
  void twentyFiveSighupsToFourInstancesLogOneReloadEachAndNoFailure() throws Exception {
    String conf = new JsonObject().put("port", 0).put("instances", 4).put("tls", new JsonObject()
      .put("enabled", true).put("certPath", certs.serverCert.toString()).put("keyPath", certs.serverKey.toString())).encode();
    try (LaunchedProcess server = LaunchedProcess.java(Map.of(), EcholoopApplication.class.getName(),
      TcpServerVerticle.class.getName(), "-conf", conf)) {
      server.awaitLine("echoloop listening on", 30);
      certs.renewServer("renewed");
      for (int sent = 1; sent <= 25; sent++) {
        server.hangUp();
        server.awaitCount("TLS certificate reloaded from", sent, 10);
      }
      server.terminate();
      assertThat(server.awaitExit(15)).isZero();
      assertThat(server.output().stream().filter(line -> line.contains("TLS certificate reloaded from"))).hasSize(25);
      assertThat(server.output()).noneMatch(line -> line.contains("ERROR") || line.contains("reload failed"));
    }
  }

  @Test
  void reloadRequestsAndFileReplacementsEachReloadOnceAcrossFourInstancesWithoutBlockingAnEventLoop() throws Exception {
    Path live = Files.createDirectory(dir.resolve("live"));
    Path cert = live.resolve("cert.pem");
    Path key = live.resolve("key.pem");
    Files.copy(certs.serverCert, cert);
    Files.copy(certs.serverKey, key);
    EchoConfig config = tlsConfig("none").with("tls.certPath", cert.toString()).with("tls.keyPath", key.toString());
    Vertx vertx = Vertx.vertx(new VertxOptions()
      .setBlockedThreadCheckInterval(20).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
      .setMaxEventLoopExecuteTime(1).setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS));
    try (CapturedLog reloads = CapturedLog.of(CertificateWatcher.class);
         CapturedLog blocked = CapturedLog.of("io.vertx.core.impl.BlockedThreadChecker")) {
      int port = deployWithCertificateCheck(vertx, config, 4, 50);
      // Deploying loads classes on the event loops, which a busy machine can stretch; only the reloads count.
      int warningsWhileDeploying = blocked.messages(Level.WARN).size();
      for (int requested = 1; requested <= 25; requested++) {
        vertx.eventBus().publish(TcpServerVerticle.RELOAD_TLS_ADDRESS, null);
        int expected = requested;
        await().untilAsserted(() -> assertThat(reloads.count(Level.INFO, "TLS certificate reloaded")).isGreaterThanOrEqualTo(expected));
      }
      for (int replaced = 1; replaced <= 25; replaced++) {
        // As renewal tools do it: each file written aside, then moved over the old one.
        certs.renewServer("renewed " + replaced);
        FileTime renewedAt = FileTime.fromMillis(System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(replaced));
        replace(certs.serverKey, key, renewedAt);
        replace(certs.serverCert, cert, renewedAt);
        int expected = 25 + replaced;
        await().untilAsserted(() -> assertThat(reloads.count(Level.INFO, "TLS certificate reloaded")).isGreaterThanOrEqualTo(expected));
      }
      assertThat(serverCommonName(vertx, port)).isEqualTo("CN=renewed 25");
      assertThat(reloads.count(Level.INFO, "TLS certificate reloaded")).isEqualTo(50);
      assertThat(reloads.messages(Level.ERROR)).isEmpty();
      assertThat(blocked.messages(Level.WARN)).hasSize(warningsWhileDeploying);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void truncatedCertificateLogsOneFailureWithTheParsersReasonAndThePreviousOneIsStillServed(Vertx vertx) throws Exception {
    try (CapturedLog reloads = CapturedLog.of(CertificateWatcher.class)) {
      int port = deployWithCertificateCheck(vertx, tlsConfig("none"), 4, TimeUnit.MINUTES.toMillis(10));
      byte[] whole = Files.readAllBytes(certs.serverCert);
      Files.write(certs.serverCert, Arrays.copyOf(whole, whole.length / 2));
      vertx.eventBus().publish(TcpServerVerticle.RELOAD_TLS_ADDRESS, null);
      await().untilAsserted(() -> assertThat(reloads.messages(Level.ERROR)).isNotEmpty());
      assertThat(serverCommonName(vertx, port)).isEqualTo("CN=server");

      // A good renewal afterwards reloads, and by then every reload the bad file caused has been logged.
      certs.renewServer("repaired");
      vertx.eventBus().publish(TcpServerVerticle.RELOAD_TLS_ADDRESS, null);
      await().untilAsserted(() -> assertThat(reloads.count(Level.INFO, "TLS certificate reloaded")).isEqualTo(1));
      assertThat(serverCommonName(vertx, port)).isEqualTo("CN=repaired");
      assertThat(reloads.messages(Level.ERROR)).singleElement().asString()
        .startsWith("TLS certificate reload failed, keeping the previous one: ")
        .doesNotEndWith("null")
        .contains("END CERTIFICATE");
    }
  }

  @Test
  void tlsClientOutsideVertxVerifyingTheHostnameGetsItsReply(Vertx vertx) throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, tlsConfig("none")).await(10, TimeUnit.SECONDS);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, certs.trustManagerFactory().getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.port());
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    socket.setSSLParameters(parameters);
    try (BlockingClient client = new BlockingClient(socket)) {
      assertThat(client.send("Hello from client1").readEndingWith("Hello from client1"))
        .matches("vert\\.x-eventloop-thread-\\d+: Hello from client1");
    }
  }

  @Test
  void legacyTls12SuitesAreRefusedWhileModernClientsConnect(Vertx vertx) throws Exception {
    int port = TcpServerDeployment.deploy(vertx, tlsConfig("none")).await(10, TimeUnit.SECONDS).port();
    // CBC with SHA-1 MACs: outside Mozilla's intermediate profile although its key exchange is ECDHE.
    assertThat(exchangeWith(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")).isEmpty();
    assertThat(exchangeWith(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isPresent();
    assertThat(exchangeWith(port, "TLSv1.3", "TLS_AES_128_GCM_SHA256")).isPresent();
  }

  /** On JDK 17 the client still offers TLS_RSA_*, so only the server's choice refuses it; newer JDKs refuse it too. */
  @Test
  void rsaKeyExchangeWithoutForwardSecrecyIsRefused(Vertx vertx) throws Exception {
    Path cert = dir.resolve("rsa-server-cert.pem");
    Path key = dir.resolve("rsa-server-key.pem");
    certs.writeRsaServer(cert, key);
    EchoConfig config = tlsConfig("none").with("tls.certPath", cert.toString()).with("tls.keyPath", key.toString());
    int port = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();
    // The reproduction, openssl s_client -tls1_2 -cipher AES128-SHA, in the JDK's names.
    assertThat(exchangeWith(port, "TLSv1.2", "TLS_RSA_WITH_AES_128_CBC_SHA")).isEmpty();
    assertThat(exchangeWith(port, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")).isPresent();
  }

  @Test
  void protocolsKeyLimitsTheServerToTls13(Vertx vertx) throws Exception {
    EchoConfig config = tlsConfig("none").with("tls.protocols", new JsonArray().add("TLSv1.3"));
    int port = TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS).port();
    assertThat(exchangeWith(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")).isEmpty();
    assertThat(exchangeWith(port, "TLSv1.3", "TLS_AES_256_GCM_SHA384")).isPresent();
  }

  @Test
  void aCipherSuiteThisJvmDoesNotKnowStopsTheStartWithOneLineNamingIt(Vertx vertx) {
    EchoConfig config = tlsConfig("none").with("tls.cipherSuites",
      new JsonArray().add("TLS_AES_128_GCM_SHA256").add("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA257"));
    assertThatThrownBy(() -> TcpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS))
      .hasMessage("invalid configuration: tls.cipherSuites has \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA257\", which this JVM"
        + " does not support");
  }

  @Test
  void loadGeneratorSpeaksTls(Vertx vertx) throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, tlsConfig("none")).await(10, TimeUnit.SECONDS);
    int exit = LoadGenerator.commandLine().execute("--mode", "rr", "--port", String.valueOf(server.port()),
      "--connections", "4", "--duration", "1", "--warmup", "0", "--tls", "--trust", certs.ca.toString());
    assertThat(exit).isZero();
  }

  @Test
  void reloadServesTheRenewedCertificateToNewConnections(Vertx vertx) throws Exception {
    TcpServerDeployment server = TcpServerDeployment.deploy(vertx, tlsConfig("none")).await(10, TimeUnit.SECONDS);
    assertThat(serverCommonName(vertx, server.port())).isEqualTo("CN=server");
    certs.renewServer("renewed");
    vertx.eventBus().publish(TcpServerVerticle.RELOAD_TLS_ADDRESS, null);
    await().untilAsserted(() -> assertThat(serverCommonName(vertx, server.port())).isEqualTo("CN=renewed"));
  }

  /**
   * One exchange from a JDK client that offers only {@code protocol} and {@code cipherSuite}: the reply, or empty when
   * the server refused the handshake.
   */
  private Optional<String> exchangeWith(int port, String protocol, String cipherSuite) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, certs.trustManagerFactory().getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setEnabledProtocols(new String[] {protocol});
    socket.setEnabledCipherSuites(new String[] {cipherSuite});
    try (BlockingClient client = new BlockingClient(socket)) {
      socket.startHandshake();
      return Optional.of(client.send("probe").readEndingWith("probe"));
    } catch (SSLHandshakeException refused) {
      return Optional.empty();
    }
  }

  /** Deploys {@code instances} server instances whose certificate watcher checks the files every {@code checkMillis}. */
  private static int deployWithCertificateCheck(Vertx vertx, EchoConfig config, int instances, long checkMillis) throws Exception {
    String id = vertx.deployVerticle(() -> new TcpServerVerticle(config, checkMillis),
      new DeploymentOptions().setInstances(instances)).await(10, TimeUnit.SECONDS);
    return TcpServerDeployment.announce(vertx, id, config.with("instances", instances)).port();
  }

  /** Some file systems keep modification times to the second: each replacement gets its own, a second apart. */
  private static void replace(Path source, Path target, FileTime modified) throws Exception {
    Path aside = target.resolveSibling(target.getFileName() + ".new");
    Files.copy(source, aside, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(aside, modified);
    Files.move(aside, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private EchoConfig tlsConfig(String clientAuth) {
    return TestConfigs.loopback(2).with("tls", new JsonObject()
      .put("enabled", true)
      .put("certPath", certs.serverCert.toString())
      .put("keyPath", certs.serverKey.toString())
      .put("clientCaPath", certs.ca.toString())
      .put("clientAuth", clientAuth));
  }

  private NetClientOptions trusting() {
    return new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS")
      .setTrustOptions(new PemTrustOptions().addCertPath(certs.ca.toString()));
  }

  private NetClient client(Vertx vertx, NetClientOptions options) {
    NetClient client = vertx.createNetClient(options);
    clients.add(client);
    return client;
  }

  private String exchangeOnce(Vertx vertx, NetClientOptions options, int port) throws Exception {
    NetSocket socket = client(vertx, options).connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    try {
      return Replies.exchange(socket, Buffer.buffer("probe")).await(10, TimeUnit.SECONDS).toString();
    } finally {
      socket.close();
    }
  }

  private String serverCommonName(Vertx vertx, int port) {
    try {
      NetSocket socket = client(vertx, trusting()).connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
      String name = ((X509Certificate) socket.peerCertificates().get(0)).getSubjectX500Principal().getName();
      socket.close();
      return name;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
