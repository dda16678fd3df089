package dev.echoloop;

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

  /** {@code ECHOLOOP_CLIENT_TIMEOUT_SECONDS=3} becomes {@code clientTimeoutSeconds: 3}. */
  private JsonObject fromEnvironment() {
    JsonObject json = new JsonObject();
    environment.forEach((name, value) -> {
      if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
        json.put(camelCase(name.substring(ENV_PREFIX.length())), typed(value));
      }
    });
    return json;
  }

  private JsonObject fromSystemProperties() {
    JsonObject json = new JsonObject();
    systemProperties.stringPropertyNames().forEach(name -> {
      if (name.startsWith(PROPERTY_PREFIX) && name.length() > PROPERTY_PREFIX.length()) {
        json.put(name.substring(PROPERTY_PREFIX.length()), typed(systemProperties.getProperty(name)));
      }
    });
    return json;
  }

  private static String camelCase(String upperSnake) {
    StringBuilder key = new StringBuilder();
    boolean upperNext = false;
    for (char c : upperSnake.toLowerCase(Locale.ROOT).toCharArray()) {
      if (c == '_') {
        upperNext = true;
      } else {
        key.append(upperNext ? Character.toUpperCase(c) : c);
        upperNext = false;
      }
    }
    return key.toString();
  }

  /** Environment and property values are text; a whole number in them is meant as a number. */
  private static Object typed(String value) {
    String trimmed = value.trim();
    if (trimmed.matches("-?\\d{1,18}")) {
      return Long.parseLong(trimmed);
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
