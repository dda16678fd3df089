package dev.echoloop.udp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.ops.UdpMetrics.Drop;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** UDP echo as a client on loopback sees it: one reply per datagram, and the safeguards against reflection. */
@Timeout(60)
class UdpEchoTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final List<DatagramSocket> clients = new ArrayList<>();
  private Vertx vertx;

  @AfterEach
  void close() throws Exception {
    clients.forEach(DatagramSocket::close);
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void repliesWithThreadNameAndExactBytes() throws Exception {
    UdpServerDeployment server = start(Vertx.vertx(), udpConfig(2));
    DatagramSocket client = client();
    byte[] binary = {0, 'a', (byte) 0xff, '\n', (byte) 0xc3};

    String reply = exchange(client, server.port(), "Hello from client1".getBytes(StandardCharsets.UTF_8));
    String binaryReply = exchange(client, server.port(), binary);

    assertThat(reply).matches("vert\\.x-eventloop-thread-\\d+: Hello from client1");
    assertThat(binaryReply).endsWith(": " + new String(binary, StandardCharsets.ISO_8859_1));
    assertThat(server.sockets()).as("NIO has no SO_REUSEPORT: one socket").isEqualTo(1);
    // A reply is counted once the kernel took it, which may be after the client read it.
    await().untilAsserted(() -> assertThat(server.replies()).isEqualTo(2));
    assertThat(server.datagrams()).isEqualTo(2);
  }

  @Test
  void aReplyLongerThanTheLimitIsAnsweredWithAnError() throws Exception {
    UdpServerDeployment server = start(Vertx.vertx(), udpConfig(1).with("udp.maxDatagramBytes", 64));
    DatagramSocket client = client();

    String tooLong = exchange(client, server.port(), new byte[60]);
    // Netty cuts a datagram longer than its 2048-byte buffer; the cut one must not be echoed as if it were whole.
    String farTooLong = exchange(client, server.port(), new byte[5000]);
    String fits = exchange(client, server.port(), "short".getBytes(StandardCharsets.UTF_8));

    assertThat(tooLong).isEqualTo("ERR datagram too long");
    assertThat(farTooLong).isEqualTo("ERR datagram too long");
    assertThat(fits).endsWith(": short");
  }

  @Test
  void aFloodFromOneSourceGetsNoMoreThanItsLimitAllows() throws Exception {
    int perSecond = 20;
    int burst = 10;
    UdpServerDeployment server = start(Vertx.vertx(), udpConfig(1)
      .with("udp.maxRepliesPerSecondPerSource", perSecond).with("udp.burstPerSource", burst));
    DatagramSocket client = client();
    byte[] request = "flood".getBytes(StandardCharsets.UTF_8);
    int flood = 10_000;

    long started = System.nanoTime();
    for (int i = 0; i < flood; i++) {
      client.send(new DatagramPacket(request, request.length, LOOPBACK, server.port()));
    }
    // Every datagram was either read by the server or dropped by the kernel when its receive buffer was full.
    await().untilAsserted(() -> assertThat(server.datagrams() + kernelDrops(server.port())).isEqualTo(flood));
    // ... and each one it read was answered or dropped for its rate, nothing else.
    await().untilAsserted(() ->
      assertThat(server.replies() + server.dropped(Drop.SOURCE_RATE)).isEqualTo(server.datagrams()));
    long replies = server.replies();
    int received = 0;
    while (received < replies) {
      assertThat(receive(client)).endsWith(": flood");
      received++;
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    assertThat(received).isGreaterThanOrEqualTo(burst).isLessThanOrEqualTo(burst + (int) Math.ceil(perSecond * seconds));
    assertThat(server.dropped(Drop.SOURCE_RATE)).isPositive();
  }

  @Test
  void datagramsFromPortsBelow1024AreNotAnswered() throws Exception {
    UdpServerDeployment server = start(Vertx.vertx(), udpConfig(1));
    DatagramSocket privileged = privilegedClient();
    byte[] request = "loop?".getBytes(StandardCharsets.UTF_8);

    privileged.send(new DatagramPacket(request, request.length, LOOPBACK, server.port()));
    await().untilAsserted(() -> assertThat(server.dropped(Drop.PRIVILEGED_PORT)).isEqualTo(1));
    // The same request from an ordinary port is answered, and it is the only reply the server sent.
    String reply = exchange(client(), server.port(), request);

    assertThat(reply).endsWith(": loop?");
    await().untilAsserted(() -> assertThat(server.replies()).isEqualTo(1));
    assertThat(server.datagrams()).isEqualTo(2);
  }

  @Test
  void sendersAreSpreadOverEventLoopsWithReusePort() throws Exception {
    Vertx epoll = Vertx.builder().withTransport(Transport.EPOLL).build();
    assumeTrue(epoll.isNativeTransportEnabled(), "the epoll transport is not available here");
    UdpServerDeployment server = start(epoll, udpConfig(4));
    Set<String> threads = new HashSet<>();

    // The kernel picks a socket by hashing the sender's address and port, so distinct ports land on several.
    for (int i = 0; i < 32; i++) {
      String reply = exchange(client(), server.port(), ("sender " + i).getBytes(StandardCharsets.UTF_8));
      threads.add(reply.substring(0, reply.indexOf(": ")));
    }

    assertThat(server.sockets()).isEqualTo(4);
    assertThat(threads).hasSizeGreaterThanOrEqualTo(2).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
  }

  @Test
  void undeployClosesTheSocketsAndReadinessSaysSo() throws Exception {
    UdpServerDeployment server = start(Vertx.vertx(), udpConfig(1));
    assertThat(exchange(client(), server.port(), "before".getBytes(StandardCharsets.UTF_8))).endsWith(": before");
    assertThat(server.readiness().notReadyReason()).isNull();

    server.undeploy().await(10, TimeUnit.SECONDS);

    assertThat(server.readiness().notReadyReason()).isEqualTo("shutting down");
    assertThat(server.readiness().drained().isComplete()).isTrue();
    // Only a closed port can be bound again by a socket without SO_REUSEPORT. The JDK closes a channel registered with
    // a selector (NIO's) at the selector's next turn, after the close has been reported.
    await().until(() -> canBind(server.port()));
  }

  @Test
  void repliesUseTheConfiguredReplyPrefix() throws Exception {
    UdpServerDeployment server = start(Vertx.vertx(), udpConfig(1)
      .with("nodeName", "node-7").with("replyPrefix", "[{node} {thread}] "));

    String reply = exchange(client(), server.port(), "templated".getBytes(StandardCharsets.UTF_8));

    assertThat(reply).matches("\\[node-7 vert\\.x-eventloop-thread-\\d+] templated");
  }

  @Test
  void duringTheShutdownDelayReadinessIsOffButDatagramsAreStillAnswered() throws Exception {
    UdpServerDeployment server = start(Vertx.vertx(), udpConfig(1).with("shutdownDelaySeconds", 3));
    DatagramSocket client = client();

    Future<Void> undeployed = server.undeploy();
    await().untilAsserted(() -> assertThat(server.readiness().notReadyReason()).isEqualTo("shutting down"));
    String reply = exchange(client, server.port(), "still here".getBytes(StandardCharsets.UTF_8));
    undeployed.await(10, TimeUnit.SECONDS);

    assertThat(reply).endsWith(": still here");
    await().until(() -> canBind(server.port()));
  }

  private UdpServerDeployment start(Vertx vertx, EchoConfig config) throws Exception {
    this.vertx = vertx;
    return UdpServerDeployment.deploy(vertx, config).await(10, TimeUnit.SECONDS);
  }

  private static EchoConfig udpConfig(int instances) {
    return TestConfigs.loopback(instances).with("udp", new JsonObject().put("enabled", true));
  }

  private DatagramSocket client() throws IOException {
    DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
    client.setSoTimeout(10_000);
    clients.add(client);
    return client;
  }

  /** A client on a free port below 1024, which only a privileged user may bind. */
  private DatagramSocket privilegedClient() throws IOException {
    for (int port = 1023; port > 900; port--) {
      try {
        DatagramSocket client = new DatagramSocket(new InetSocketAddress(LOOPBACK, port));
        clients.add(client);
        return client;
      } catch (BindException taken) {
        assumeTrue(!taken.getMessage().contains("Permission denied"), "binding a port below 1024 needs privileges");
      }
    }
    throw new IllegalStateException("no free UDP port from 901 to 1023");
  }

  private static String exchange(DatagramSocket client, int port, byte[] request) throws IOException {
    client.send(new DatagramPacket(request, request.length, LOOPBACK, port));
    return receive(client);
  }

  private static String receive(DatagramSocket client) throws IOException {
    byte[] buffer = new byte[4096];
    DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
    try {
      client.receive(reply);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no reply within " + client.getSoTimeout() + " ms", e);
    }
    return new String(buffer, 0, reply.getLength(), StandardCharsets.ISO_8859_1);
  }

  private static boolean canBind(int port) {
    try (DatagramSocket successor = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
      return successor.getLocalPort() == port;
    } catch (IOException inUse) {
      return false;
    }
  }

  /** Datagrams the kernel dropped because the server's receive buffer was full: the last column of /proc/net/udp. */
  private static long kernelDrops(int port) {
    String local = String.format(Locale.ROOT, "0100007F:%04X", port);
    try {
      return Files.readAllLines(Path.of("/proc/net/udp")).stream()
        .map(String::trim)
        .map(line -> line.split("\\s+"))
        .filter(fields -> fields[1].equals(local))
        .mapToLong(fields -> Long.parseLong(fields[fields.length - 1]))
        .sum();
    } catch (IOException e) {
      throw new AssertionError("cannot read /proc/net/udp", e);
    }
  }
}
