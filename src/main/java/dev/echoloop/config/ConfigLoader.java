package dev.echoloop.config;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Reads echoloop's configuration once, from every source, into a validated {@link EchoConfig}.
 *
 * <p>Precedence, lowest first: the schema's defaults, {@code HOSTNAME} for {@code nodeName}, {@code conf/config.json},
 * the launcher's {@code -conf}, environment variables {@code ECHOLOOP_<KEY>}, system properties
 * {@code echoloop.<key>}. Only echoloop's own prefixes are read from the environment and the system properties (not
 * {@code PORT}, {@code HOME}...). Sources are merged object by object ({@link JsonObject#mergeIn(JsonObject, boolean)},
 * as vertx-config merges its stores), so a later source overrides single keys of {@code tls} or {@code admin}.
 */
public final class ConfigLoader {

  public static final String DEFAULT_FILE = "conf/config.json";

  private static final String ENV_PREFIX = "ECHOLOOP_";
  private static final String PROPERTY_PREFIX = "echoloop.";
  /** Read by {@code conf/logback.xml}, which is set up before any configuration is: echoloop's, but not a key. */
  private static final String LOG_LEVEL_VARIABLE = "ECHOLOOP_LOG_LEVEL";
  private static final String HOSTNAME = "HOSTNAME";

  private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

  private final ConfigSchema schema = ConfigSchema.ECHOLOOP;
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
   * Reads every source and merges them, object by object, in the order of precedence.
   *
   * <p>It runs before Vert.x exists, since the transport must be chosen when Vert.x is built, so it reads the file
   * itself: vertx-config's retriever would need a Vert.x instance of its own for this one read, whose start and stop
   * cost the demo about a twentieth of its CPU time on JDK 17 and every start two more threads (issue 10).
   *
   * @param launcherConf what the launcher's {@code -conf} gave, or null
   * @return the validated configuration
   * @throws InvalidConfigException naming the source, key or value that is wrong
   */
  public EchoConfig load(JsonObject launcherConf) {
    JsonObject merged = new JsonObject();
    // A Kubernetes pod's HOSTNAME is its pod name: the node name operators expect, unless a source sets nodeName.
    String podName = environment.get(HOSTNAME);
    if (podName != null && !podName.isBlank()) {
      merged.put("nodeName", podName);
    }
    // Only a missing file may be skipped: one that exists but does not parse stops the start.
    if (Files.exists(Path.of(file))) {
      merged.mergeIn(readFile(), true);
    }
    return EchoConfig.fromJson(merged
      .mergeIn(launcherConf == null ? new JsonObject() : launcherConf.copy(), true)
      .mergeIn(fromEnvironment(), true)
      .mergeIn(fromSystemProperties(), true));
  }

  /** The configuration file's JSON object; an empty or {@code null} document is an empty object. */
  private JsonObject readFile() {
    try {
      JsonObject json = Buffer.buffer(Files.readAllBytes(Path.of(file))).toJsonObject();
      return json == null ? new JsonObject() : json;
    } catch (IOException | RuntimeException e) {
      throw new InvalidConfigException("cannot read configuration file " + file + ": " + rootMessage(e));
    }
  }

  /**
   * Why one of the launcher's {@code FILE|JSON} options ({@code -conf}, {@code -options}, {@code -deployment-options})
   * gave nothing: the launcher reads it as a file, else as JSON text, and only warns when neither is a JSON object.
   *
   * @param option the option as the user would type it, e.g. {@code -conf}
   * @return the one-line error to stop the start with, naming the option, the argument and what is wrong with it
   */
  public static InvalidConfigException unreadableJsonArgument(String option, String argument) {
    String trimmed = argument.strip();
    String reason;
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      reason = "not a JSON object: " + jsonProblem(trimmed);
    } else {
      Path path;
      try {
        path = Path.of(argument);
      } catch (InvalidPathException e) {
        return new InvalidConfigException("invalid configuration: " + option + " \"" + argument + "\" is neither a file nor JSON");
      }
      if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
        reason = "no readable file there, and not JSON";
      } else {
        try {
          reason = "the file is not a JSON object: " + jsonProblem(Files.readString(path));
        } catch (IOException | UncheckedIOException e) {
          reason = "cannot read it: " + e;
        }
      }
    }
    return new InvalidConfigException("invalid configuration: " + option + " \"" + argument + "\" (" + reason + ")");
  }

  private static String jsonProblem(String text) {
    try {
      Object value = Json.decodeValue(text);
      return "it is a JSON " + (value instanceof JsonArray ? "array" : value == null ? "null" : "scalar");
    } catch (RuntimeException e) {
      return rootMessage(e);
    }
  }

  /**
   * {@code ECHOLOOP_CLIENT_TIMEOUT_SECONDS=3} becomes {@code clientTimeoutSeconds: 3}, {@code ECHOLOOP_TLS_CERT_PATH}
   * becomes {@code tls.certPath}: a variable names a key when both read the same without case, dots and underscores.
   * {@code ECHOLOOP_LOG_LEVEL} (logback's) and the variables that Kubernetes and start scripts set for a service or an
   * application named echoloop (see {@link ServiceLinks}) are skipped; any other {@code ECHOLOOP_} variable is a typo
   * and fails the start.
   *
   * @throws InvalidConfigException naming the variable and the nearest key
   */
  private JsonObject fromEnvironment() {
    Map<String, String> byNormalizedKey = new HashMap<>();
    schema.keys().forEach(key -> byNormalizedKey.put(ConfigSchema.normalized(key), key));
    JsonObject flat = new JsonObject();
    new TreeMap<>(environment).forEach((name, value) -> {
      if (!name.startsWith(ENV_PREFIX) || name.length() == ENV_PREFIX.length()) {
        return;
      }
      String key = byNormalizedKey.get(ConfigSchema.normalized(name.substring(ENV_PREFIX.length())));
      if (name.equals(LOG_LEVEL_VARIABLE)) {
        return;
      }
      if (ServiceLinks.matches(name, value)) {
        log.debug("ignoring {}: set by Kubernetes or a start script for a service named echoloop, not a configuration key", name);
      } else if (key != null) {
        flat.put(key, schema.typed(key, value));
      } else {
        String hint = schema.closestKey(name.substring(ENV_PREFIX.length()))
          .map(known -> ", did you mean " + variable(known) + " (key '" + known + "')?")
          .orElse(" (known keys: " + String.join(", ", schema.keys()) + ")");
        throw new InvalidConfigException("unknown configuration variable " + name + hint);
      }
    });
    return nested(flat);
  }

  private JsonObject fromSystemProperties() {
    JsonObject flat = new JsonObject();
    systemProperties.stringPropertyNames().forEach(name -> {
      if (name.startsWith(PROPERTY_PREFIX) && name.length() > PROPERTY_PREFIX.length()) {
        String key = name.substring(PROPERTY_PREFIX.length());
        flat.put(key, schema.typed(key, systemProperties.getProperty(name)));
      }
    });
    return nested(flat);
  }

  /** The environment variable of a key: {@code tls.certPath} is {@code ECHOLOOP_TLS_CERT_PATH}. */
  static String variable(String key) {
    return ENV_PREFIX + key.replace(".", "_").replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  /**
   * The JSON sources nest {@code tls} and {@code admin}, and sources are merged object by object, so dotted
   * keys are nested too before the merge: {@code tls.enabled} then overrides the file's {@code tls: {enabled}}.
   */
  private static JsonObject nested(JsonObject flat) {
    JsonObject json = new JsonObject();
    flat.forEach(entry -> {
      String[] path = entry.getKey().split("\\.");
      JsonObject group = json;
      for (int i = 0; i < path.length - 1; i++) {
        Object existing = group.getValue(path[i]);
        JsonObject next = existing instanceof JsonObject object ? object : new JsonObject();
        group.put(path[i], next);
        group = next;
      }
      group.put(path[path.length - 1], entry.getValue());
    });
    return json;
  }

  /** The root cause's type and message ({@code getMessage()} alone may be null), first line only. */
  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.toString();
    // Parser messages continue with a source excerpt on further lines; the first line says what is wrong.
    return message.lines().findFirst().orElse(message);
  }
}
