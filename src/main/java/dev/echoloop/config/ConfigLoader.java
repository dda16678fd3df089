package dev.echoloop.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads echoloop's configuration once, from every source, into a validated {@link EchoConfig}.
 *
 * <p>Precedence, lowest first: built-in defaults, {@code conf/config.json}, the launcher's {@code -conf}, environment
 * variables {@code ECHOLOOP_<KEY>}, system properties {@code echoloop.<key>}. vertx-config's default stores would put the
 * file above the environment and take every environment variable (PORT, HOME...), so the stores are listed here
 * explicitly and only echoloop's own prefixes are read from the environment and the system properties.
 */
public final class ConfigLoader {

  public static final String DEFAULT_FILE = "conf/config.json";

  private static final String ENV_PREFIX = "ECHOLOOP_";
  private static final String PROPERTY_PREFIX = "echoloop.";

  private final String file;
  private final Map<String, String> environment;
  private final Properties systemProperties;

  public ConfigLoader(String file, Map<String, String> environment, Properties systemProperties) {
    this.file = file;
    this.environment = environment;
    this.systemProperties = systemProperties;
  }

  /** The loader for a real process: {@code conf/config.json}, this process's environment and system properties. */
  public static ConfigLoader forProcess() {
    return new ConfigLoader(DEFAULT_FILE, System.getenv(), System.getProperties());
  }

  /**
   * @param launcherConf what the launcher's {@code -conf} gave, or null
   * @return the configuration, or a failure with an {@link InvalidConfigException}
   */
  public Future<EchoConfig> load(Vertx vertx, JsonObject launcherConf) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
      .setIncludeDefaultStores(false)
      .setScanPeriod(-1);
    // An optional store would also hide a file that exists but does not parse; only a missing file may be skipped.
    if (Files.exists(Path.of(file))) {
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
        .setConfig(new JsonObject().put("path", file)));
    }
    options
      .addStore(jsonStore(launcherConf == null ? new JsonObject() : launcherConf))
      .addStore(jsonStore(fromEnvironment()))
      .addStore(jsonStore(fromSystemProperties()));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
      .transform(merged -> {
        retriever.close();
        if (merged.failed()) {
          return Future.failedFuture(new InvalidConfigException("cannot read configuration: " + rootMessage(merged.cause())));
        }
        try {
          return Future.succeededFuture(EchoConfig.fromJson(merged.result()));
        } catch (InvalidConfigException e) {
          return Future.failedFuture(e);
        }
      });
  }

  /**
   * Loads the configuration before the application's Vert.x exists, as the transport must be chosen when Vert.x is
   * built. A one-thread Vert.x serves vertx-config for this and is closed again. Call from a non-Vert.x thread.
   */
  public EchoConfig loadBeforeVertx(JsonObject launcherConf) {
    Vertx reader = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
    try {
      return load(reader, launcherConf).await();
    } finally {
      reader.close();
    }
  }

  private static ConfigStoreOptions jsonStore(JsonObject json) {
    return new ConfigStoreOptions().setType("json").setConfig(json);
  }

  /**
   * {@code ECHOLOOP_CLIENT_TIMEOUT_SECONDS=3} becomes {@code clientTimeoutSeconds: 3}, {@code ECHOLOOP_TLS_CERT_PATH}
   * becomes {@code tls.certPath}: a variable names a key when both read the same without case, dots and underscores.
   * A variable that names no key keeps its own name, so the error about it says what to look for.
   */
  private JsonObject fromEnvironment() {
    JsonObject flat = new JsonObject();
    environment.forEach((name, value) -> {
      if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
        String wanted = normalized(name.substring(ENV_PREFIX.length()));
        String key = EchoConfig.KEYS.stream().filter(known -> normalized(known).equals(wanted)).findFirst().orElse(name);
        flat.put(key, typed(value));
      }
    });
    return nested(flat);
  }

  private JsonObject fromSystemProperties() {
    JsonObject flat = new JsonObject();
    systemProperties.stringPropertyNames().forEach(name -> {
      if (name.startsWith(PROPERTY_PREFIX) && name.length() > PROPERTY_PREFIX.length()) {
        flat.put(name.substring(PROPERTY_PREFIX.length()), typed(systemProperties.getProperty(name)));
      }
    });
    return nested(flat);
  }

  private static String normalized(String key) {
    return key.replace("_", "").replace(".", "").toLowerCase(Locale.ROOT);
  }

  /**
   * The JSON sources nest {@code tls} and {@code admin}, and vertx-config merges sources object by object, so dotted
   * keys are nested too before the merge: {@code tls.enabled} then overrides the file's {@code tls: {enabled}}.
   */
  private static JsonObject nested(JsonObject flat) {
    JsonObject json = new JsonObject();
    flat.forEach(entry -> {
      String key = entry.getKey();
      int dot = key.indexOf('.');
      if (dot > 0 && !key.startsWith(ENV_PREFIX)) {
        JsonObject group = json.getJsonObject(key.substring(0, dot));
        if (group == null) {
          group = new JsonObject();
          json.put(key.substring(0, dot), group);
        }
        group.put(key.substring(dot + 1), entry.getValue());
      } else {
        json.put(key, entry.getValue());
      }
    });
    return json;
  }

  /** Environment and property values are text; a whole number or true/false in them is meant as such. */
  private static Object typed(String value) {
    String trimmed = value.trim();
    if (trimmed.matches("-?\\d{1,18}")) {
      return Long.parseLong(trimmed);
    }
    if (trimmed.equals("true") || trimmed.equals("false")) {
      return Boolean.parseBoolean(trimmed);
    }
    return value;
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.toString() : root.getMessage();
    // Parser messages continue with a source excerpt on further lines; the first line says what is wrong.
    return message.lines().findFirst().orElse(message);
  }
}
