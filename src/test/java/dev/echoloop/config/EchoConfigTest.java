package dev.echoloop.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The schema and the records describe one configuration: defaults, round trips and messages agree. */
class EchoConfigTest {

  @Test
  void defaultsComeFromTheSchema() {
    EchoConfig defaults = EchoConfig.defaults();
    assertThat(defaults.port()).isEqualTo(7007);
    assertThat(defaults.instances()).isEqualTo(EchoConfig.AUTO_INSTANCES);
    assertThat(defaults.tls().handshakeTimeoutSeconds()).isEqualTo(10);
    assertThat(defaults.admin().enabled()).isFalse();
  }

  @Test
  void everySchemaKeyHasARecordComponentAndReadsBackUnchanged() {
    EchoConfig config = EchoConfig.defaults().with("framing", "length")
      .with("tls", new JsonObject().put("clientAuth", "request").put("clientCaPath", "ca.pem"))
      .with("admin.port", 9464);
    assertThat(EchoConfig.fromJson(config.toJson())).isEqualTo(config);
    assertThat(config.toJson().getJsonObject("tls").getString("clientAuth")).isEqualTo("request");
    assertThat(config.admin().host()).isEqualTo("127.0.0.1");
  }

  @Test
  void listsNestedKeysByTheirDottedNames() {
    assertThat(EchoConfig.keys()).startsWith("host", "port", "instances").contains("tls.certPath", "admin.port");
  }

  @Test
  void refusesAGroupThatIsNotAnObject() {
    assertThatThrownBy(() -> EchoConfig.fromJson(new JsonObject().put("tls", 5)))
      .isInstanceOf(InvalidConfigException.class)
      .hasMessage("invalid configuration: tls=5 (expected an object of keys)");
  }
}
