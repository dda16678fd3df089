package dev.echoloop;

import dev.echoloop.client.ClientVerticle;
import dev.echoloop.tcp.TcpServerVerticle;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.LaunchedProcess;
import dev.echoloop.testing.Ports;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher as an operator uses it: separate JVMs, real signals, exit codes and output. */
@Timeout(60)
class LauncherTest {

  private static final String LAUNCHER = EcholoopApplication.class.getName();
  private static final String LISTENING = "echoloop listening on 127\\.0\\.0\\.1:(\\d+) ";

  @Test
  void instancesFlagSpreadsSequentialConnectionsOverFourEventLoopsAndSigtermFreesThePort() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER,
      TcpServerVerticle.class.getName(), "-instances", "4", "-conf", "{\"port\":0,\"shutdownTimeoutSeconds\":5}")) {
      int port = Integer.parseInt(server.awaitLine(LISTENING, 30));
      assertThat(server.awaitLine("listening on .* \\((\\d+) instances,", 1)).isEqualTo("4");

      Set<String> threads = new HashSet<>();
      for (int i = 1; i <= 16; i++) {
        threads.add(threadServing(port, "Hello from client" + i));
      }
      assertThat(threads).hasSize(4);

      server.terminate();
      assertThat(server.awaitExit(10)).isZero();
      assertThat(server.output()).anyMatch(line -> line.contains("echoloop stopped"))
        .noneMatch(line -> line.contains("Exception"));
      try (ServerSocket rebound = new ServerSocket(port)) {
        assertThat(rebound.getLocalPort()).isEqualTo(port);
      }
    }
  }

  @Test
  void sigtermServesTheOpenConnectionThenExitsZeroAsSoonAsItCloses() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER,
      TcpServerVerticle.class.getName(), "-conf", "{\"port\":0,\"framing\":\"line\",\"shutdownTimeoutSeconds\":60,\"drain\":\"wait\"}")) {
      int port = Integer.parseInt(server.awaitLine(LISTENING, 30));
      try (BlockingClient client = new BlockingClient(port)) {
        assertThat(client.send("before\n").readLine()).endsWith(": before");
        server.terminate();
        server.awaitLine("shutting down", 10);
        assertThat(client.send("during\n").readLine()).endsWith(": during");
      }
      // Far sooner than the 60 s timeout: the server stops once its last client is gone.
      assertThat(server.awaitExit(15)).isZero();
    }
  }

  @Test
  void configuredInstancesApplyWithoutTheFlagAndEnvironmentBeatsConf() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of("ECHOLOOP_INSTANCES", "3"), LAUNCHER,
      TcpServerVerticle.class.getName(), "-conf", "{\"port\":0,\"instances\":2}")) {
      assertThat(server.awaitLine("listening on .* \\((\\d+) instances,", 30)).isEqualTo("3");
    }
  }

  @Test
  void startLineNamesTheTransportTheConfigurationChose() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER,
      TcpServerVerticle.class.getName(), "-conf", "{\"port\":0,\"instances\":1,\"transport\":\"epoll\"}")) {
      assertThat(server.awaitLine("listening on .*, (\\w+) transport\\)", 30)).isEqualTo("epoll");
    }
  }

  @Test
  void jsonLogFormatFromTheEnvironmentWritesOneJsonObjectPerLine() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of("ECHOLOOP_LOG_FORMAT", "json"), LAUNCHER,
      TcpServerVerticle.class.getName(), "-conf", "{\"port\":0,\"instances\":1}")) {
      String line = server.awaitLine("^(\\{.*echoloop listening on.*})$", 30);
      JsonObject event = new JsonObject(line);
      assertThat(event.getString("level")).isEqualTo("INFO");
      assertThat(event.getString("threadName")).isEqualTo("main");
    }
  }

  @Test
  void invalidPortStopsTheStartWithOneLineNamingIt() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, "-conf", "{\"port\":70000}")) {
      assertThat(server.awaitExit(30)).isNotZero();
      assertThat(server.output())
        .filteredOn(line -> line.contains("ERROR"))
        .singleElement().asString().contains("port=70000");
      assertThat(server.output()).noneMatch(line -> line.startsWith("\tat ") || line.contains("listening on"));
    }
  }

  @Test
  void confThatIsNeitherAFileNorJsonStopsTheStartInsteadOfServingTheDefaults() throws Exception {
    for (String conf : List.of("{\"port\":0,", "conf/no-such-file.json", "[0]")) {
      try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, "-conf", conf)) {
        assertThat(server.awaitExit(30)).isEqualTo(1);
        assertThat(server.output())
          .filteredOn(line -> line.contains("ERROR"))
          .singleElement().asString().contains("invalid configuration: -conf \"" + conf + "\" (");
        assertThat(server.output()).noneMatch(line -> line.startsWith("\tat ") || line.contains("listening on"));
      }
    }
  }

  @Test
  void vertxAndDeploymentOptionsThatAreNeitherAFileNorJsonStopTheStartInsteadOfBeingIgnored() throws Exception {
    for (String option : List.of("-options", "-deployment-options")) {
      try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, TcpServerVerticle.class.getName(),
        option, "{\"eventLoopPoolSize\":", "-conf", "{\"port\":0}")) {
        assertThat(server.awaitExit(30)).isEqualTo(1);
        assertThat(server.output())
          .filteredOn(line -> line.contains("ERROR"))
          .singleElement().asString().contains("invalid configuration: " + option + " \"{\"eventLoopPoolSize\":\" (");
        assertThat(server.output()).noneMatch(line -> line.startsWith("\tat ") || line.contains("listening on"));
      }
    }
  }

  @Test
  void vertxAndDeploymentOptionsThatVertxWouldIgnoreStopTheStartNamingTheOption() throws Exception {
    // Vert.x's converters skip a wrong type or an unknown name silently: both started on the defaults before.
    Map<String, String> ignored = Map.of(
      "-options", "{\"eventLoopPoolSize\":\"x\"}",
      "-deployment-options", "{\"workerPoolSise\":4}");
    for (Map.Entry<String, String> option : ignored.entrySet()) {
      try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, TcpServerVerticle.class.getName(),
        option.getKey(), option.getValue(), "-conf", "{\"port\":0}")) {
        assertThat(server.awaitExit(30)).isEqualTo(1);
        assertThat(server.output())
          .filteredOn(line -> line.contains("ERROR"))
          .singleElement().asString().contains("invalid configuration: " + option.getKey() + ": ")
          .contains("would be ignored");
        assertThat(server.output()).noneMatch(line -> line.startsWith("\tat ") || line.contains("listening on"));
      }
    }
  }

  @Test
  void vertxOptionsOfTheRightNameAndTypeAreTaken() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, TcpServerVerticle.class.getName(),
      "-options", "{\"eventLoopPoolSize\":3,\"blockedThreadCheckInterval\":2000}",
      "-deployment-options", "{\"workerPoolSize\":4}", "-conf", "{\"port\":0}")) {
      server.awaitLine(".*echoloop listening on .*", 30);
    }
  }

  @Test
  void instancesFlagOutOfRangeStopsTheStartWithOneLineNamingIt() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, TcpServerVerticle.class.getName(),
      "-instances", "0", "-conf", "{\"port\":0}")) {
      assertThat(server.awaitExit(30)).isNotZero();
      assertThat(server.output())
        .filteredOn(line -> line.contains("ERROR"))
        .singleElement().asString().contains("instances=0");
      assertThat(server.output()).noneMatch(line -> line.startsWith("\tat ") || line.contains("listening on"));
    }
  }

  @Test
  void aPodsHostnameNamesTheNodeInEveryReply() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of("HOSTNAME", "echoloop-7f9c-x2v"), LAUNCHER,
      TcpServerVerticle.class.getName(), "-conf", "{\"port\":0,\"framing\":\"line\",\"replyPrefix\":\"{node}/{thread}: \"}")) {
      int port = Integer.parseInt(server.awaitLine(LISTENING, 30));
      try (BlockingClient client = new BlockingClient(port)) {
        assertThat(client.send("which node?\n").readLine())
          .matches("echoloop-7f9c-x2v/vert\\.x-eventloop-thread-\\d+: which node\\?");
      }
    }
  }

  @Test
  void proxyProtocolWithoutItsCodecStopsTheStartWithOneLine() throws Exception {
    String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
      .filter(entry -> !entry.contains("netty-codec-haproxy"))
      .collect(Collectors.joining(File.pathSeparator));
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
      LAUNCHER, "-conf", "{\"port\":0,\"proxyProtocol\":true}");
    try (LaunchedProcess server = LaunchedProcess.start(Map.of(), command)) {
      assertThat(server.awaitExit(30)).isNotZero();
      assertThat(server.output())
        .filteredOn(line -> line.contains("ERROR"))
        .singleElement().asString().contains("proxyProtocol=true needs io.netty:netty-codec-haproxy");
      assertThat(server.output()).noneMatch(line -> line.startsWith("\tat ") || line.contains("listening on"));
    }
  }

  @Test
  void portAlreadyInUseStopsTheStartWithOneLineNamingIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
         LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, TcpServerVerticle.class.getName(),
           "-conf", "{\"port\":" + taken.getLocalPort() + ",\"instances\":2}")) {
      assertThat(server.awaitExit(30)).isEqualTo(15);
      assertThat(server.output())
        .filteredOn(line -> line.contains("ERROR"))
        .singleElement().asString()
        .contains("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ").endsWith("Address already in use");
      assertThat(server.output()).noneMatch(line -> line.startsWith("\tat "));
    }
  }

  @Test
  void tlsCertificateMissingOrNotParsingStopsTheStartWithOneLineNamingIt(@TempDir Path dir) throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    Map<String, String> expected = Map.of(
      "{\"port\":0,\"tls\":{\"enabled\":true}}", "invalid configuration: tls.enabled=true needs tls.certPath",
      new JsonObject().put("port", 0).put("tls", new JsonObject().put("enabled", true)
        .put("certPath", garbage.toString()).put("keyPath", garbage.toString())).encode(),
      "invalid configuration: tls.certPath=\"" + garbage + "\", tls.keyPath=\"" + garbage + "\" (cannot load them: ");
    for (Map.Entry<String, String> conf : expected.entrySet()) {
      try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, TcpServerVerticle.class.getName(),
        "-conf", conf.getKey())) {
        assertThat(server.awaitExit(30)).isEqualTo(15);
        assertThat(server.output())
          .filteredOn(line -> line.contains("ERROR"))
          .singleElement().asString().contains(conf.getValue());
        assertThat(server.output()).noneMatch(line -> line.startsWith("\tat ") || line.contains("listening on"));
      }
    }
  }

  @Test
  void udpEnabledAnswersDatagramsOnTheTcpPortNumberAndSigtermClosesIt() throws Exception {
    try (LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, TcpServerVerticle.class.getName(),
      "-conf", "{\"port\":0,\"instances\":2,\"udp\":{\"enabled\":true,\"port\":0}}");
         DatagramSocket client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
      int port = Integer.parseInt(server.awaitLine("echoloop UDP listening on 127\\.0\\.0\\.1:(\\d+) ", 30));
      client.setSoTimeout(5000);
      byte[] hello = "Hello over UDP".getBytes(StandardCharsets.UTF_8);
      client.send(new DatagramPacket(hello, hello.length, InetAddress.getByName("127.0.0.1"), port));
      byte[] reply = new byte[2048];
      DatagramPacket received = new DatagramPacket(reply, reply.length);
      client.receive(received);
      assertThat(new String(reply, 0, received.getLength(), StandardCharsets.UTF_8))
        .matches("vert\\.x-eventloop-thread-\\d+: Hello over UDP");

      server.terminate();
      assertThat(server.awaitExit(10)).isZero();
      assertThat(server.output()).anyMatch(line -> line.contains("echoloop UDP shutting down"));
    }
  }

  @Test
  void udpPortAlreadyInUseStopsTheStartWithOneLineNamingIt() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
         LaunchedProcess server = LaunchedProcess.java(Map.of(), LAUNCHER, TcpServerVerticle.class.getName(),
           "-conf", "{\"port\":0,\"udp\":{\"enabled\":true,\"port\":" + taken.getLocalPort() + "}}")) {
      assertThat(server.awaitExit(30)).isEqualTo(15);
      assertThat(server.output())
        .filteredOn(line -> line.contains("ERROR"))
        .singleElement().asString()
        .contains("cannot listen on UDP 127.0.0.1:" + taken.getLocalPort() + ": ").endsWith("Address already in use");
      assertThat(server.output()).noneMatch(line -> line.startsWith("\tat "));
    }
  }

  @Test
  void demoPrintsThreeRepliesFromEventLoopsAndExitsZero() throws Exception {
    try (LaunchedProcess demo = LaunchedProcess.java(Map.of(), LAUNCHER, "demo")) {
      assertThat(demo.awaitExit(30)).isZero();
      assertThat(demo.output())
        .filteredOn(line -> line.startsWith("Client received: "))
        .satisfiesExactly(
          line -> assertThat(line).matches("Client received: vert\\.x-eventloop-thread-\\d+: Hello from client1"),
          line -> assertThat(line).matches("Client received: vert\\.x-eventloop-thread-\\d+: Hello from client2"),
          line -> assertThat(line).matches("Client received: vert\\.x-eventloop-thread-\\d+: Hello from client3"));
    }
  }

  @Test
  void clientVerticleFromTheLauncherFailsWithOneLineAndNonZeroExitWhenNothingListens() throws Exception {
    int closedPort = Ports.freePort();
    try (LaunchedProcess client = LaunchedProcess.java(Map.of(), LAUNCHER,
      ClientVerticle.class.getName(), "-conf", "{\"port\":" + closedPort + "}")) {
      assertThat(client.awaitExit(30)).isNotZero();
      assertThat(client.output()).anyMatch(line -> line.contains("cannot connect to 127.0.0.1:" + closedPort));
      assertThat(client.output()).noneMatch(line -> line.startsWith("\tat "));
    }
  }

  /** One exchange on its own blocking connection, as the Python example's client does it. */
  private static String threadServing(int port, String message) throws IOException {
    try (BlockingClient client = new BlockingClient(port)) {
      String reply = client.send(message).readEndingWith(message);
      return reply.substring(0, reply.indexOf(": "));
    }
  }
}
