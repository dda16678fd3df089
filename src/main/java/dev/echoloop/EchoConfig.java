package dev.echoloop;

import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * echoloop's whole configuration, validated once at start and then passed to every verticle.
 *
 * @param host                   the address the echo server binds, and the client connects to
 * @param port                   the echo port; 0 picks one free port shared by all instances
 * @param instances              server verticle instances, each on its own event loop
 * @param clientTimeoutSeconds   how long the client waits for a connection and its reply
 * @param shutdownTimeoutSeconds how long a graceful shutdown waits for open connections before closing them
 */
public record EchoConfig(
  String host,
  int port,
  int instances,
  int clientTimeoutSeconds,
  int shutdownTimeoutSeconds) {

  /** The instance count Vert.x would give an application: one per event-loop thread. */
  public static final int AUTO_INSTANCES = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;

  private static final String AUTO = "auto";

  /** Every key echoloop knows, in documentation order. */
  public static final List<String> KEYS = List.of(
    "host", "port", "instances", "clientTimeoutSeconds", "shutdownTimeoutSeconds");

  public static EchoConfig defaults() {
    return new EchoConfig("127.0.0.1", 7007, AUTO_INSTANCES, 5, 10);
  }

  /**
   * Reads a merged configuration object. Missing keys take their defaults; an unknown key, a value of the wrong type or
   * out of range throws {@link InvalidConfigException} naming the key and the value.
   */
  public static EchoConfig fromJson(JsonObject json) {
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new InvalidConfigException("unknown configuration key '" + key + "' (known keys: " + String.join(", ", KEYS) + ")");
      }
    }
    EchoConfig d = defaults();
    Fields fields = new Fields(json);
    return new EchoConfig(
      fields.text("host", d.host()),
      fields.integer("port", d.port(), 0, 65535),
      fields.instances(d.instances()),
      fields.integer("clientTimeoutSeconds", d.clientTimeoutSeconds(), 1, 3600),
      fields.integer("shutdownTimeoutSeconds", d.shutdownTimeoutSeconds(), 0, 3600));
  }

  public JsonObject toJson() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("host", host);
    map.put("port", port);
    map.put("instances", instances);
    map.put("clientTimeoutSeconds", clientTimeoutSeconds);
    map.put("shutdownTimeoutSeconds", shutdownTimeoutSeconds);
    return new JsonObject(map);
  }

  public EchoConfig withPort(int newPort) {
    return new EchoConfig(host, newPort, instances, clientTimeoutSeconds, shutdownTimeoutSeconds);
  }

  public EchoConfig withInstances(int newInstances) {
    return new EchoConfig(host, port, newInstances, clientTimeoutSeconds, shutdownTimeoutSeconds);
  }

  /** Typed access to one JSON object, with the error messages every key shares. */
  private record Fields(JsonObject json) {

    String text(String key, String fallback) {
      Object value = json.getValue(key);
      if (value == null) {
        return fallback;
      }
      if (!(value instanceof String text) || text.isBlank()) {
        throw invalid(key, value, "a non-empty string");
      }
      return text;
    }

    int integer(String key, int fallback, int min, int max) {
      return integer(key, json.getValue(key), fallback, min, max, Function.identity());
    }

    int instances(int fallback) {
      Object value = json.getValue("instances");
      if (AUTO.equals(value)) {
        return AUTO_INSTANCES;
      }
      return integer("instances", value, fallback, 1, 1024, expected -> expected + " or \"auto\"");
    }

    private int integer(String key, Object value, int fallback, int min, int max, Function<String, String> describe) {
      if (value == null) {
        return fallback;
      }
      String expected = describe.apply("an integer from " + min + " to " + max);
      if (!(value instanceof Integer || value instanceof Long)) {
        throw invalid(key, value, expected);
      }
      long number = ((Number) value).longValue();
      if (number < min || number > max) {
        throw invalid(key, value, expected);
      }
      return (int) number;
    }

    private static InvalidConfigException invalid(String key, Object value, String expected) {
      String shown = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
      return new InvalidConfigException("invalid configuration: " + key + "=" + shown + " (expected " + expected + ")");
    }
  }
}
