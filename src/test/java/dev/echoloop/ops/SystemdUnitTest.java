package dev.echoloop.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoloop.testing.LaunchedProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/echoloop.service, the unit an operator installs with the fat jar, as systemd itself reads it. */
class SystemdUnitTest {

  private static final Path UNIT = Path.of("conf/echoloop.service");
  private static final String INSTALLED_JAVA = "/usr/bin/java";
  private static final String INSTALLED_JAR = "/opt/echoloop/echoloop.jar";

  /**
   * {@code systemd-analyze verify} checks every key and that the command exists, but only warns (exit 0) about an
   * unknown key or a bad value, so any output at all fails the test. The copy points at this JVM and at a jar that
   * exists, since neither /usr/bin/java nor the installed jar need be on a test machine.
   */
  @Test
  void systemdAnalyzeVerifyAcceptsTheUnitWithoutAWarning(@TempDir Path dir) throws Exception {
    Path jar = Files.createFile(dir.resolve("echoloop.jar"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String unit = Files.readString(UNIT)
      .replace(INSTALLED_JAVA, java)
      .replace(INSTALLED_JAR, jar.toString())
      .replace("WorkingDirectory=/opt/echoloop", "WorkingDirectory=" + dir);
    Path copy = Files.writeString(dir.resolve("echoloop.service"), unit);

    List<String> command = List.of("systemd-analyze", "verify", copy.toString());
    try (LaunchedProcess verify = LaunchedProcess.start(Map.of(), command)) {
      int exit = verify.awaitExit(30);

      assertThat(verify.output()).as("what systemd-analyze verify printed").isEmpty();
      assertThat(exit).isZero();
    }
  }

  @Test
  void theUnitStartsTheFatJarWithTheProjectJvmOptionsAndReloadsOnSighup() throws IOException {
    String unit = Files.readString(UNIT);

    assertThat(value(unit, "ExecStart")).isEqualTo(INSTALLED_JAVA + " @conf/jvm.options -jar " + INSTALLED_JAR);
    assertThat(value(unit, "ExecReload")).isEqualTo("/bin/kill -HUP $MAINPID");
    assertThat(value(unit, "Restart")).isEqualTo("on-failure");
    assertThat(value(unit, "SuccessExitStatus")).contains("143");
  }

  @Test
  void theUnitRunsAsADedicatedUserWithoutPrivileges() throws IOException {
    String unit = Files.readString(UNIT);

    assertThat(value(unit, "User")).isEqualTo("echoloop");
    assertThat(value(unit, "CapabilityBoundingSet")).isEmpty();
    assertThat(value(unit, "NoNewPrivileges")).isEqualTo("yes");
  }

  /** systemd's SIGKILL must not cut the drain short: the stop timeout outlasts the configured delay plus timeout. */
  @Test
  void theStopTimeoutOutlastsTheShutdownDelayPlusTheShutdownTimeout() throws IOException {
    JsonObject config = new JsonObject(Files.readString(Path.of("conf/config.json")));
    int drainSeconds = config.getInteger("shutdownDelaySeconds", 0) + config.getInteger("shutdownTimeoutSeconds", 10);

    assertThat(Integer.parseInt(value(Files.readString(UNIT), "TimeoutStopSec"))).isGreaterThan(drainSeconds);
  }

  private static String value(String unit, String key) {
    Matcher matcher = Pattern.compile("(?m)^" + key + "=(.*)$").matcher(unit);
    assertThat(matcher.find()).as("%s= in %s", key, UNIT).isTrue();
    List<String> rest = List.of(unit.substring(matcher.end()).split("\n"));
    assertThat(rest.stream().noneMatch(line -> line.startsWith(key + "="))).as("one %s=", key).isTrue();
    return matcher.group(1).trim();
  }
}
