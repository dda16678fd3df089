package dev.echoloop.config;

import io.vertx.core.json.JsonArray;
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

  @Test
  void refusesANodeNameWithANewlineThatWouldSplitEveryLineReply() {
    assertThatThrownBy(() -> EchoConfig.defaults().with("nodeName", "node\nX"))
      .isInstanceOf(InvalidConfigException.class)
      .hasMessage("invalid configuration: nodeName=\"node\\nX\" (a newline would end a line reply early)");
  }

  @Test
  void tlsDefaultsToMozillasIntermediateProfileWithEcdheOnly() {
    TlsConfig tls = EchoConfig.defaults().tls();
    assertThat(tls.protocols()).containsExactly("TLSv1.2", "TLSv1.3");
    assertThat(tls.cipherSuites()).hasSize(9)
      .allMatch(suite -> TlsConfig.isTls13Suite(suite) || suite.startsWith("TLS_ECDHE_"))
      .allMatch(suite -> suite.contains("_GCM_") || suite.contains("_CHACHA20_POLY1305_"));
  }

  @Test
  void refusesTlsVersionsAndSuiteNamesOutsideTheSchemaWithOneLine() {
    assertThatThrownBy(() -> EchoConfig.defaults().with("tls.protocols", new JsonArray().add("TLSv1.1")))
      .hasMessage("invalid configuration: tls.protocols=[\"TLSv1.1\"] (expected a list of one of TLSv1.2, TLSv1.3)");
    // OpenSSL's names are not the JDK's: the message says which spelling is expected.
    assertThatThrownBy(() -> EchoConfig.defaults().with("tls.cipherSuites", new JsonArray().add("AES128-SHA")))
      .hasMessageStartingWith("invalid configuration: tls.cipherSuites=[\"AES128-SHA\"] (expected a list of string matching ^TLS_");
  }

  @Test
  void refusesCipherSuitesThatFitNoneOfTheProtocols() {
    assertThatThrownBy(() -> EchoConfig.defaults().with("tls", new JsonObject()
      .put("protocols", new JsonArray().add("TLSv1.3"))
      .put("cipherSuites", new JsonArray().add("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))))
      .isInstanceOf(InvalidConfigException.class)
      .hasMessageContaining("has no suite for tls.protocols=[TLSv1.3]");
  }
}
