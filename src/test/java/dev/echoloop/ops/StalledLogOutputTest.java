package dev.echoloop.ops;

import dev.echoloop.EcholoopApplication;
import dev.echoloop.tcp.TcpServerVerticle;
import dev.echoloop.testing.BlockingClient;
import dev.echoloop.testing.LaunchedProcess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A log output that stops reading (a stalled journald, a paused terminal, a log shipper applying backpressure) must not
 * stop the server: logging never blocks an event loop, and the lines it could not write are counted and reported.
 */
@Timeout(90)
class StalledLogOutputTest {

  private static final int CONNECTIONS = 3_000;
  private static final Pattern DROPPED = Pattern.compile("(\\d+) log lines dropped");

  @Test
  void serverWhoseLogOutputNobodyReadsServesThreeThousandConnectionsInARowAndReportsWhatItDropped() throws Exception {
    // Vert.x's blocked-thread checker as a witness: an event loop held for a second gets a warning.
    Map<String, String> blockedThreadChecker = Map.of("JAVA_TOOL_OPTIONS",
      "-Dvertx.options.blockedThreadCheckInterval=100 -Dvertx.options.maxEventLoopExecuteTime=1000000000");
    try (LaunchedProcess server = LaunchedProcess.java(blockedThreadChecker, EcholoopApplication.class.getName(),
      TcpServerVerticle.class.getName(), "-conf", "{\"port\":0,\"instances\":2,\"framing\":\"line\",\"admin\":{\"port\":0}}")) {
      int port = Integer.parseInt(server.awaitLine("echoloop listening on 127\\.0\\.0\\.1:(\\d+) ", 30));
      int adminPort = Integer.parseInt(server.awaitLine("admin listening on http://127\\.0\\.0\\.1:(\\d+) ", 10));
      // Deploying can hold an event loop on a busy machine (class loading); only what happens once serving counts.
      int startLines = server.output().size();
      server.pauseOutput();
      for (int i = 1; i <= CONNECTIONS; i++) {
        try (BlockingClient client = new BlockingClient(port)) {
          assertThat(client.send("connection " + i + "\n").readLine()).endsWith(": connection " + i);
        }
      }
      server.resumeOutput();

      // Every connection is accounted for: its access-log line was written, or it is counted in a drop report.
      await().untilAsserted(() -> assertThat(accessLines(server.output()) + reportedDrops(server.output()))
        .isEqualTo(CONNECTIONS));
      assertThat(reportedDrops(server.output())).isPositive();
      assertThat(scrape(adminPort)).containsPattern(
        "(?m)^echoloop_log_dropped_total " + reportedDrops(server.output()) + "\\.0$");
      List<String> whileServing = server.output().subList(startLines, server.output().size());
      assertThat(whileServing).noneMatch(line -> line.contains("has been blocked"));
    }
  }

  private static String scrape(int adminPort) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  private static long accessLines(List<String> output) {
    return output.stream().filter(line -> line.contains(" access - ")).count();
  }

  private static long reportedDrops(List<String> output) {
    long dropped = 0;
    for (String line : output) {
      Matcher matcher = DROPPED.matcher(line);
      if (matcher.find()) {
        dropped += Long.parseLong(matcher.group(1));
      }
    }
    return dropped;
  }
}
