package dev.echoloop.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void usesBuiltInDefaultsWhenNothingIsConfigured() {
    EchoConfig config = loader("missing.json", Map.of(), new Properties()).load(null);
    assertThat(config).isEqualTo(EchoConfig.defaults());
  }

  @Test
  void appliesSourcesFromDefaultsToFileToConfToEnvironmentToSystemProperties() throws IOException {
    Path file = write("{\"host\":\"::1\",\"port\":1001,\"instances\":2,\"clientTimeoutSeconds\":7,\"shutdownTimeoutSeconds\":8}");
    JsonObject conf = new JsonObject().put("port", 1002).put("instances", 3).put("clientTimeoutSeconds", 9);
    Map<String, String> env = Map.of("ECHOLOOP_PORT", "1003", "ECHOLOOP_INSTANCES", "4", "PORT", "1", "HOME", "/root");
    Properties properties = new Properties();
    properties.setProperty("echoloop.port", "1004");
    properties.setProperty("java.version", "17");
    EchoConfig config = loader(file.toString(), env, properties).load(conf);
    assertThat(config).isEqualTo(EchoConfig.defaults()
      .with("host", "::1").with("port", 1004).with("instances", 4)
      .with("clientTimeoutSeconds", 9).with("shutdownTimeoutSeconds", 8));
  }

  @Test
  void readsMultiWordKeysFromTheEnvironment() {
    EchoConfig config = loader("missing.json", Map.of("ECHOLOOP_SHUTDOWN_TIMEOUT_SECONDS", "0", "ECHOLOOP_INSTANCES", "auto"), new Properties())
      .load(null);
    assertThat(config.shutdownTimeoutSeconds()).isZero();
    assertThat(config.instances()).isEqualTo(EchoConfig.AUTO_INSTANCES);
  }

  @Test
  void refusesAPortOutOfRangeNamingKeyAndValue() {
    expectInvalid(new JsonObject().put("port", 70000),
      "invalid configuration: port=70000 (expected an integer from 0 to 65535)");
  }

  @Test
  void refusesZeroInstances() {
    expectInvalid(new JsonObject().put("instances", 0),
      "invalid configuration: instances=0 (expected an integer from 1 to 1024 or \"auto\")");
  }

  @Test
  void refusesAStringWhereANumberBelongs() {
    expectInvalid(new JsonObject().put("clientTimeoutSeconds", "soon"),
      "invalid configuration: clientTimeoutSeconds=\"soon\" (expected an integer from 1 to 3600)");
  }

  @Test
  void refusesAFractionWhereAnIntegerBelongs() {
    expectInvalid(new JsonObject().put("port", 80.5),
      "invalid configuration: port=80.5 (expected an integer from 0 to 65535)");
  }

  @Test
  void refusesAnUnknownTransport() {
    expectInvalid(new JsonObject().put("transport", "kqueue"),
      "invalid configuration: transport=\"kqueue\" (expected one of auto, nio, epoll, io_uring)");
  }

  @Test
  void refusesAnUnknownKeyNamingTheClosestKnownOne() {
    Throwable failure = catchThrowable(() -> loader("missing.json", Map.of(), new Properties()).load(new JsonObject().put("prot", 80)));
    assertThat(failure).isInstanceOf(InvalidConfigException.class)
      .hasMessage("unknown configuration key 'prot', did you mean 'port'?");
  }

  @Test
  void listsTheKnownKeysWhenNoneIsCloseToAnUnknownOne() {
    Throwable failure = catchThrowable(() -> loader("missing.json", Map.of(), new Properties()).load(new JsonObject().put("colour", "blue")));
    assertThat(failure).hasMessageStartingWith("unknown configuration key 'colour' (known keys: host, port, instances,");
  }

  @Test
  void leavesTheLogLevelVariableToLogback() {
    // conf/logback.xml reads ECHOLOOP_LOG_LEVEL, which the README documents; it once stopped the start as unknown.
    EchoConfig config = loader("missing.json", Map.of("ECHOLOOP_LOG_LEVEL", "DEBUG"), new Properties()).load(null);
    assertThat(config).isEqualTo(EchoConfig.defaults());
  }

  @Test
  void refusesAnUnknownNestedKeyByItsDottedName() {
    Throwable failure = catchThrowable(() -> loader("missing.json", Map.of(), new Properties())
      .load(new JsonObject().put("tls", new JsonObject().put("certPth", "cert.pem"))));
    assertThat(failure).hasMessageStartingWith("unknown configuration key 'tls.certPth', did you mean 'tls.certPath'?");
  }

  @Test
  void refusesAnUnknownSystemProperty() {
    Properties properties = new Properties();
    properties.setProperty("echoloop.maxConection", "5");
    Throwable failure = catchThrowable(() -> loader("missing.json", Map.of(), properties).load(null));
    assertThat(failure).hasMessageStartingWith("unknown configuration key 'maxConection', did you mean 'maxConnections'?");
  }

  @Test
  void nestedKeysFromTheEnvironmentOverrideTheFileKeyByKey() throws IOException {
    Path file = write("{\"tls\":{\"enabled\":false,\"certPath\":\"cert.pem\"},\"admin\":{\"port\":9100}}");
    Properties properties = new Properties();
    properties.setProperty("echoloop.admin.port", "9200");
    EchoConfig config = loader(file.toString(), Map.of("ECHOLOOP_TLS_ENABLED", "true", "ECHOLOOP_TLS_KEY_PATH", "key.pem"), properties)
      .load(null);
    assertThat(config.tls().enabled()).isTrue();
    assertThat(config.tls().certPath()).isEqualTo("cert.pem");
    assertThat(config.tls().keyPath()).isEqualTo("key.pem");
    assertThat(config.admin().port()).isEqualTo(9200);
  }

  @Test
  void refusesMutualTlsWithoutAClientCa() {
    expectInvalid(new JsonObject().put("tls", new JsonObject().put("clientAuth", "required")),
      "invalid configuration: tls.clientAuth=\"required\" needs tls.clientCaPath, the CA that client certificates are checked against");
  }

  @Test
  void refusesANonBooleanFlag() {
    expectInvalid(new JsonObject().put("accessLog", "yes"),
      "invalid configuration: accessLog=\"yes\" (expected true or false)");
  }

  @Test
  void refusesATypoInAnEnvironmentVariableNamingTheClosestKnownOne() {
    Throwable failure = catchThrowable(() -> loader("missing.json", Map.of("ECHOLOOP_PROT", "80"), new Properties()).load(null));
    assertThat(failure).isInstanceOf(InvalidConfigException.class)
      .hasMessage("unknown configuration variable ECHOLOOP_PROT, did you mean ECHOLOOP_PORT (key 'port')?");
  }

  @Test
  void refusesATypoInANestedEnvironmentVariable() {
    Throwable failure = catchThrowable(() -> loader("missing.json", Map.of("ECHOLOOP_TLS_CERT_PATHS", "cert.pem"), new Properties()).load(null));
    assertThat(failure).hasMessageStartingWith(
      "unknown configuration variable ECHOLOOP_TLS_CERT_PATHS, did you mean ECHOLOOP_TLS_CERT_PATH (key 'tls.certPath')?");
  }

  @Test
  void refusesAnEnvironmentValueOfTheWrongTypeNamingKeyAndValue() {
    Throwable failure = catchThrowable(() -> loader("missing.json", Map.of("ECHOLOOP_MAX_CONNECTIONS", "many"), new Properties()).load(null));
    assertThat(failure).hasMessage("invalid configuration: maxConnections=\"many\" (expected an integer from 1 to 1000000)");
  }

  @Test
  void readsAnEnvironmentValueAsTheTypeTheSchemaGivesTheKey() {
    // A host name made of digits stays text; the old guess-by-shape reading turned it into a number and refused it.
    EchoConfig config = loader("missing.json", Map.of("ECHOLOOP_ADMIN_HOST", "1234", "ECHOLOOP_ACCESS_LOG", "false"), new Properties())
      .load(null);
    assertThat(config.admin().host()).isEqualTo("1234");
    assertThat(config.accessLog()).isFalse();
  }

  @Test
  void refusesAConfigFileThatIsNotJson() throws IOException {
    Path file = write("{\"port\": ");
    Throwable failure = catchThrowable(() -> loader(file.toString(), Map.of(), new Properties()).load(null));
    assertThat(failure).isInstanceOf(InvalidConfigException.class);
    assertThat(failure.getMessage()).startsWith("cannot read configuration file " + file + ": ").doesNotContain("\n");
  }

  private void expectInvalid(JsonObject conf, String message) {
    Throwable failure = catchThrowable(() -> loader("missing.json", Map.of(), new Properties()).load(conf));
    assertThat(failure).isInstanceOf(InvalidConfigException.class).hasMessage(message);
  }

  private ConfigLoader loader(String file, Map<String, String> env, Properties properties) {
    return new ConfigLoader(dir.resolve(file).toString(), env, properties);
  }

  private Path write(String json) throws IOException {
    return Files.writeString(dir.resolve("config.json"), json);
  }
}
