package dev.echoloop.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the schema reads and reports the kinds of key the coming issues add: lists and groups. */
class ConfigSchemaTest {

  private final ConfigSchema schema = ConfigSchema.of(new JsonObject("""
    {
      "type": "object", "additionalProperties": false,
      "properties": {
        "tls": {
          "type": "object", "additionalProperties": false, "default": {},
          "properties": {
            "protocols": {"type": "array", "items": {"enum": ["TLSv1.2", "TLSv1.3"]}, "default": ["TLSv1.3"]}
          }
        },
        "faults": {
          "type": "object", "additionalProperties": false, "default": {},
          "properties": {"delayMs": {"type": "integer", "minimum": 0, "maximum": 60000, "default": 0}}
        }
      }
    }"""));

  @Test
  void reportsABadListItemAsTheListsKeyWithTheWholeList() {
    JsonObject config = new JsonObject().put("tls", new JsonObject().put("protocols", new JsonArray().add("TLSv1.3").add("SSLv3")));
    assertThatThrownBy(() -> schema.validatedWithDefaults(config))
      .isInstanceOf(InvalidConfigException.class)
      .hasMessage("invalid configuration: tls.protocols=[\"TLSv1.3\",\"SSLv3\"] (expected a list of one of TLSv1.2, TLSv1.3)");
  }

  @Test
  void readsAListFromTheEnvironmentCommaSeparated() {
    assertThat(schema.typed("tls.protocols", "TLSv1.2, TLSv1.3")).isEqualTo(new JsonArray().add("TLSv1.2").add("TLSv1.3"));
  }

  @Test
  void fillsTheDefaultsOfAGroupLeftOut() {
    JsonObject complete = schema.validatedWithDefaults(new JsonObject());
    assertThat(complete.getJsonObject("faults").getInteger("delayMs")).isZero();
    assertThat(complete.getJsonObject("tls").getJsonArray("protocols")).containsExactly("TLSv1.3");
  }

  @Test
  void refusesAKeyWithoutADefault() {
    assertThatThrownBy(() -> ConfigSchema.of(new JsonObject("""
      {"type": "object", "properties": {"drain": {"type": "boolean"}}}""")))
      .isInstanceOf(IllegalStateException.class)
      .hasMessage("configuration key drain has no default in the schema");
  }
}
