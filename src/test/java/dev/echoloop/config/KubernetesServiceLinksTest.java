package dev.echoloop.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pod in a namespace with a Service named {@code echoloop} gets Docker-link variables under echoloop's own prefix
 * (issue 8, item 4): they must neither stop the start nor change the configuration.
 */
class KubernetesServiceLinksTest {

  private final Logger loaderLog = (Logger) LoggerFactory.getLogger(ConfigLoader.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Level previousLevel;

  @BeforeEach
  void captureDebugLines() {
    previousLevel = loaderLog.getLevel();
    loaderLog.setLevel(Level.DEBUG);
    logged.start();
    loaderLog.addAppender(logged);
  }

  @AfterEach
  void restoreLogger() {
    loaderLog.detachAppender(logged);
    loaderLog.setLevel(previousLevel);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "ECHOLOOP_PORT, tcp://10.96.0.12:7007",
    "ECHOLOOP_PORT_7007_TCP, tcp://10.96.0.12:7007",
    "ECHOLOOP_PORT_7007_TCP_ADDR, 10.96.0.12",
    "ECHOLOOP_PORT_7007_TCP_PORT, 7007",
    "ECHOLOOP_PORT_7007_TCP_PROTO, tcp",
    "ECHOLOOP_PORT_5353_UDP_PROTO, udp",
    "ECHOLOOP_SERVICE_HOST, 10.96.0.12",
    "ECHOLOOP_SERVICE_PORT, 7007",
    "ECHOLOOP_SERVICE_PORT_ECHO, 7007",
    "ECHOLOOP_ADMIN_PORT, tcp://10.96.0.13:9464",
    "ECHOLOOP_ADMIN_SERVICE_HOST, 10.96.0.13",
    "ECHOLOOP_ADMIN_PORT_9464_TCP_ADDR, 10.96.0.13",
    "ECHOLOOP_OPTS, -Xmx64m -Dfoo=bar",
  })
  void ignoresAServiceLinkOrStartScriptVariableWithADebugLine(String name, String value) {
    EchoConfig config = new ConfigLoader("missing.json", Map.of(name, value), new Properties()).load(null);
    assertThat(config).isEqualTo(EchoConfig.defaults());
    assertThat(logged.list)
      .anySatisfy(line -> {
        assertThat(line.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(line.getFormattedMessage()).startsWith("ignoring " + name + ":");
      });
  }

  @Test
  void readsEcholoopsOwnKeysBesideAWholeSetOfServiceLinks() {
    Map<String, String> pod = Map.of(
      "ECHOLOOP_PORT", "tcp://10.96.0.12:7007",
      "ECHOLOOP_PORT_7007_TCP", "tcp://10.96.0.12:7007",
      "ECHOLOOP_PORT_7007_TCP_ADDR", "10.96.0.12",
      "ECHOLOOP_PORT_7007_TCP_PORT", "7007",
      "ECHOLOOP_PORT_7007_TCP_PROTO", "tcp",
      "ECHOLOOP_SERVICE_HOST", "10.96.0.12",
      "ECHOLOOP_SERVICE_PORT", "7007",
      "ECHOLOOP_MAX_CONNECTIONS", "50",
      "ECHOLOOP_ADMIN_PORT", "9464");
    EchoConfig config = new ConfigLoader("missing.json", pod, new Properties()).load(null);
    assertThat(config.port()).isEqualTo(EchoConfig.defaults().port());
    assertThat(config.maxConnections()).isEqualTo(50);
    assertThat(config.admin().port()).isEqualTo(9464);
  }

  @Test
  void aPortVariableThatIsANumberStillSetsThePort() {
    EchoConfig config = new ConfigLoader("missing.json", Map.of("ECHOLOOP_PORT", "9000"), new Properties()).load(null);
    assertThat(config.port()).isEqualTo(9000);
  }
}
