package dev.echoloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoloop.tcp.TcpServerVerticle;
import dev.echoloop.testing.LaunchedProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of {@code make fleet-faulty}: node-2 of three behind a real HAProxy resets every connection after 3
 * replies. HAProxy's health check asks the admin port, so the node stays in rotation; the balancer counts the resets as
 * server aborts, and the load generator, reconnecting, loses nothing. Only persistent connections and no
 * connection-per-request workers: with round robin, one of the first three connections lands on node-2 for certain.
 */
@Timeout(120)
class FleetFaultyNodeTest {

  private static final Pattern SUMMARY = Pattern.compile(
    "^faulty=node-2 status=(\\S+) eresp=(\\d+) srv_abrt=(\\d+) cli_abrt=\\d+ sent=(\\d+) replied=(\\d+) retried=(\\d+)"
      + " lost=(\\d+) resets=(\\d+) closes=(\\d+) timeouts=\\d+$");

  @Test
  void aNodeThatResetsAfterThreeMessagesStaysInRotationAndReconnectingClientsLoseNothing(@TempDir Path workDir)
    throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    LaunchedProcess fleet = LaunchedProcess.start(Map.of(), List.of("python3", "fleet/fleet.py",
      "--seconds", "14", "--faulty-node", "{\"closeAfterMessages\":3,\"closeWith\":\"rst\"}",
      "--connections", "3", "--pipeline", "4", "--workers", "0",
      "--java", java, "--classpath", System.getProperty("java.class.path"),
      "--launcher", EcholoopApplication.class.getName(), "--verticle", TcpServerVerticle.class.getName(),
      "--work-dir", workDir.toString()));
    try {
      String summary = fleet.awaitLine("^faulty=node-2 .*$", 90);
      int exitCode = fleet.awaitExit(30);
      assertThat(exitCode).as("exit code; output:\n%s", String.join("\n", fleet.output())).isZero();

      Matcher seen = SUMMARY.matcher(summary);
      assertThat(seen.matches()).as(summary).isTrue();
      assertThat(seen.group(1)).as("node-2's status in HAProxy").isEqualTo("UP");
      assertThat(Long.parseLong(seen.group(2)) + Long.parseLong(seen.group(3))).as("eresp + srv_abrt").isPositive();
      long sent = Long.parseLong(seen.group(4));
      assertThat(sent).isPositive();
      assertThat(Long.parseLong(seen.group(5))).as("replied").isEqualTo(sent);
      assertThat(Long.parseLong(seen.group(6))).as("retried").isPositive();
      assertThat(seen.group(7)).as("lost").isEqualTo("0");
      assertThat(Long.parseLong(seen.group(8)) + Long.parseLong(seen.group(9))).as("resets + closes").isPositive();
    } finally {
      fleet.terminate();
      fleet.awaitExit(30);
    }
  }
}
