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
 * The short version of {@code make fleet}: three nodes behind a real HAProxy, scraped by a real Prometheus, through one
 * SIGTERM restart and one SIGKILL under load, in about 30 s. It runs the same script, with the nodes started from the
 * test class path instead of the fat jar.
 */
@Timeout(150)
class FleetScenarioTest {

  private static final Pattern SUMMARY = Pattern.compile(
    "^sent=(\\d+) replied=(\\d+) retried=(\\d+) lost=(\\d+) nodes=(\\d+) restarts=(\\d+) crashes=(\\d+)"
      + " prometheus_replies=(\\d+) prometheus_nodes=(\\d+)$");

  @Test
  void aRestartAndACrashBehindHaproxyLoseNoReplyAndPrometheusCountsEveryNode(@TempDir Path workDir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    LaunchedProcess fleet = LaunchedProcess.start(Map.of(), List.of("python3", "fleet/fleet.py",
      "--seconds", "30", "--restarts", "1", "--crashes", "1", "--connections", "4", "--pipeline", "8", "--workers", "2",
      "--java", java, "--classpath", System.getProperty("java.class.path"),
      "--launcher", EcholoopApplication.class.getName(), "--verticle", TcpServerVerticle.class.getName(),
      "--work-dir", workDir.toString()));
    try {
      String summary = fleet.awaitLine("^sent=\\d+ .* prometheus_nodes=\\d+$", 110);
      int exitCode = fleet.awaitExit(30);
      assertThat(exitCode).as("exit code; output:\n%s", String.join("\n", fleet.output())).isZero();

      Matcher counts = SUMMARY.matcher(summary);
      assertThat(counts.matches()).isTrue();
      long sent = Long.parseLong(counts.group(1));
      assertThat(sent).isPositive();
      assertThat(Long.parseLong(counts.group(2))).as("replied").isEqualTo(sent);
      assertThat(counts.group(4)).as("lost").isEqualTo("0");
      assertThat(counts.group(5)).as("nodes").isEqualTo("3");
      assertThat(counts.group(6)).as("restarts").isEqualTo("1");
      assertThat(counts.group(7)).as("crashes").isEqualTo("1");
      assertThat(Long.parseLong(counts.group(8))).as("prometheus_replies").isPositive();
      assertThat(counts.group(9)).as("prometheus_nodes").isEqualTo("3");
    } finally {
      // SIGTERM, never SIGKILL first: the script then stops the nodes, HAProxy and Prometheus it started.
      fleet.terminate();
      fleet.awaitExit(30);
    }
  }
}
