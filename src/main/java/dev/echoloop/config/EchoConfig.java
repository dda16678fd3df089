package dev.echoloop.config;

import dev.echoloop.config.TlsConfig.ClientAuthMode;
import dev.echoloop.tcp.codec.Framing;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * echoloop's whole configuration, validated once at start and then passed to every verticle.
 *
 * <p>In JSON, {@code tls.*} and {@code admin.*} keys are nested objects ({@code {"tls": {"enabled": true}}}); this
 * class reads them by their dotted names.
 *
 * @param host                   the address the echo server binds, and the client connects to
 * @param port                   the echo port; 0 picks one free port shared by all instances
 * @param instances              server verticle instances, each on its own event loop
 * @param transport              the Netty transport of the event loops
 * @param framing                how the byte stream is cut into messages
 * @param maxFrameBytes          the longest record the {@code line} and {@code length} framings accept
 * @param maxConnections         open connections allowed across all instances of the server
 * @param idleTimeoutSeconds     a connection with no traffic either way for this long is closed; 0 never
 * @param clientTimeoutSeconds   how long the client waits for a connection and its reply
 * @param shutdownTimeoutSeconds how long a graceful shutdown waits for open connections before closing them
 * @param accessLog              one log line per connection when it closes
 * @param logFormat              plain text or JSON log lines
 * @param tls                    TLS on the echo port
 * @param admin                  the admin HTTP server: metrics and health
 */
public record EchoConfig(
  String host,
  int port,
  int instances,
  TransportChoice transport,
  Framing framing,
  int maxFrameBytes,
  int maxConnections,
  int idleTimeoutSeconds,
  int clientTimeoutSeconds,
  int shutdownTimeoutSeconds,
  boolean accessLog,
  LogFormat logFormat,
  TlsConfig tls,
  AdminConfig admin) {

  /** The instance count Vert.x would give an application: one per event-loop thread. */
  public static final int AUTO_INSTANCES = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;

  /** Every key echoloop knows, in documentation order, nested ones by their dotted names. */
  public static final List<String> KEYS = List.of(
    "host", "port", "instances", "transport", "framing", "maxFrameBytes", "maxConnections", "idleTimeoutSeconds",
    "clientTimeoutSeconds", "shutdownTimeoutSeconds", "accessLog", "logFormat",
    "tls.enabled", "tls.certPath", "tls.keyPath", "tls.clientCaPath", "tls.clientAuth", "tls.trustPath", "tls.trustAll",
    "tls.handshakeTimeoutSeconds", "admin.host", "admin.port");

  private static final String AUTO = "auto";

  /** Plain text or JSON log lines: the {@code logFormat} key. */
  public enum LogFormat {
    TEXT, JSON
  }

  public static EchoConfig defaults() {
    return new EchoConfig("127.0.0.1", 7007, AUTO_INSTANCES, TransportChoice.AUTO, Framing.RAW, 64 * 1024, 10_000, 300,
      5, 10, true, LogFormat.TEXT, TlsConfig.defaults(), AdminConfig.defaults());
  }

  /**
   * Reads a merged configuration object, nested or with dotted keys. Missing keys take their defaults; an unknown key, a
   * value of the wrong type or out of range throws {@link InvalidConfigException} naming the key and the value.
   */
  public static EchoConfig fromJson(JsonObject json) {
    JsonObject flat = flatten(json);
    for (String key : flat.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new InvalidConfigException("unknown configuration key '" + key + "' (known keys: " + String.join(", ", KEYS) + ")");
      }
    }
    EchoConfig d = defaults();
    TlsConfig t = d.tls();
    Fields fields = new Fields(flat);
    TlsConfig tls = new TlsConfig(
      fields.bool("tls.enabled", t.enabled()),
      fields.path("tls.certPath", t.certPath()),
      fields.path("tls.keyPath", t.keyPath()),
      fields.path("tls.clientCaPath", t.clientCaPath()),
      fields.choice("tls.clientAuth", ClientAuthMode.values(), t.clientAuth()),
      fields.path("tls.trustPath", t.trustPath()),
      fields.bool("tls.trustAll", t.trustAll()),
      fields.integer("tls.handshakeTimeoutSeconds", t.handshakeTimeoutSeconds(), 1, 600));
    if (tls.clientAuth() != ClientAuthMode.NONE && tls.clientCaPath().isEmpty()) {
      throw new InvalidConfigException("invalid configuration: tls.clientAuth=\"" + lowerCase(tls.clientAuth())
        + "\" needs tls.clientCaPath, the CA that client certificates are checked against");
    }
    AdminConfig admin = new AdminConfig(
      fields.text("admin.host", d.admin().host()),
      fields.integer("admin.port", d.admin().port(), -1, 65535));
    return new EchoConfig(
      fields.text("host", d.host()),
      fields.integer("port", d.port(), 0, 65535),
      fields.instances(d.instances()),
      fields.choice("transport", TransportChoice.values(), d.transport()),
      fields.choice("framing", Framing.values(), d.framing()),
      fields.integer("maxFrameBytes", d.maxFrameBytes(), 1, 64 * 1024 * 1024),
      fields.integer("maxConnections", d.maxConnections(), 1, 1_000_000),
      fields.integer("idleTimeoutSeconds", d.idleTimeoutSeconds(), 0, 86_400),
      fields.integer("clientTimeoutSeconds", d.clientTimeoutSeconds(), 1, 3600),
      fields.integer("shutdownTimeoutSeconds", d.shutdownTimeoutSeconds(), 0, 3600),
      fields.bool("accessLog", d.accessLog()),
      fields.choice("logFormat", LogFormat.values(), d.logFormat()),
      tls,
      admin);
  }

  public JsonObject toJson() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("host", host);
    map.put("port", port);
    map.put("instances", instances);
    map.put("transport", lowerCase(transport));
    map.put("framing", lowerCase(framing));
    map.put("maxFrameBytes", maxFrameBytes);
    map.put("maxConnections", maxConnections);
    map.put("idleTimeoutSeconds", idleTimeoutSeconds);
    map.put("clientTimeoutSeconds", clientTimeoutSeconds);
    map.put("shutdownTimeoutSeconds", shutdownTimeoutSeconds);
    map.put("accessLog", accessLog);
    map.put("logFormat", lowerCase(logFormat));
    map.put("tls", new JsonObject()
      .put("enabled", tls.enabled())
      .put("certPath", tls.certPath())
      .put("keyPath", tls.keyPath())
      .put("clientCaPath", tls.clientCaPath())
      .put("clientAuth", lowerCase(tls.clientAuth()))
      .put("trustPath", tls.trustPath())
      .put("trustAll", tls.trustAll())
      .put("handshakeTimeoutSeconds", tls.handshakeTimeoutSeconds()));
    map.put("admin", new JsonObject().put("host", admin.host()).put("port", admin.port()));
    return new JsonObject(map);
  }

  /** This configuration with {@code key} (dotted for nested keys) set to {@code value}, validated like any other source. */
  public EchoConfig with(String key, Object value) {
    return fromJson(flatten(toJson()).put(key, value));
  }

  public EchoConfig withPort(int newPort) {
    return with("port", newPort);
  }

  /** {@code {"tls": {"enabled": true}}} becomes {@code {"tls.enabled": true}}; dotted keys stay as they are. */
  static JsonObject flatten(JsonObject json) {
    JsonObject flat = new JsonObject();
    json.forEach(entry -> {
      if (entry.getValue() instanceof JsonObject nested) {
        flatten(nested).forEach(inner -> flat.put(entry.getKey() + "." + inner.getKey(), inner.getValue()));
      } else {
        flat.put(entry.getKey(), entry.getValue());
      }
    });
    return flat;
  }

  /** How an enum value is written in the configuration: its name in lower case ({@code "io_uring"}). */
  public static String lowerCase(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT);
  }

  /** Typed access to one flat JSON object, with the error messages every key shares. */
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

    /** A file path; empty means not set. */
    String path(String key, String fallback) {
      Object value = json.getValue(key);
      if (value == null) {
        return fallback;
      }
      if (!(value instanceof String text)) {
        throw invalid(key, value, "a file path");
      }
      return text;
    }

    boolean bool(String key, boolean fallback) {
      Object value = json.getValue(key);
      if (value == null) {
        return fallback;
      }
      if (!(value instanceof Boolean flag)) {
        throw invalid(key, value, "true or false");
      }
      return flag;
    }

    /** One of an enum's constants, written in lower case: {@code "line"}, {@code "io_uring"}. */
    <E extends Enum<E>> E choice(String key, E[] values, E fallback) {
      Object value = json.getValue(key);
      if (value == null) {
        return fallback;
      }
      for (E candidate : values) {
        if (lowerCase(candidate).equals(value)) {
          return candidate;
        }
      }
      String expected = "one of " + Arrays.stream(values).map(EchoConfig::lowerCase).collect(Collectors.joining(", "));
      throw invalid(key, value, expected);
    }

    int integer(String key, int fallback, int min, int max) {
      return integer(key, json.getValue(key), fallback, min, max, "");
    }

    int instances(int fallback) {
      Object value = json.getValue("instances");
      if (AUTO.equals(value)) {
        return AUTO_INSTANCES;
      }
      return integer("instances", value, fallback, 1, 1024, " or \"auto\"");
    }

    private int integer(String key, Object value, int fallback, int min, int max, String alternative) {
      if (value == null) {
        return fallback;
      }
      String expected = "an integer from " + min + " to " + max + alternative;
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
