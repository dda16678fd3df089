package dev.echoloop.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * echoloop's configuration schema, {@code conf/echoloop.schema.json} (a JSON Schema 2020-12, carried in the jar): the
 * one place that lists the keys, their types, ranges, choices and defaults.
 *
 * <p>Validation is vertx-json-schema's; this class turns its first finding into the one-line message operators get
 * ({@code invalid configuration: port=70000 (expected an integer from 0 to 65535)}), writing the "expected" part from
 * the schema itself, and fills in the defaults, which the validator does not do.
 */
final class ConfigSchema {

  /** The schema of the running echoloop; immutable once read. */
  static final ConfigSchema ECHOLOOP = fromResource("/echoloop.schema.json");

  private final JsonObject schema;
  private final Validator validator;
  private final List<String> keys;

  private ConfigSchema(JsonObject schema) {
    this.schema = schema;
    this.validator = Validator.create(JsonSchema.of(schema), new JsonSchemaOptions()
      .setDraft(Draft.DRAFT202012)
      .setBaseUri("https://echoloop.dev/")
      .setOutputFormat(OutputFormat.Basic));
    List<String> leaves = new ArrayList<>();
    collectKeys(schema, "", leaves);
    this.keys = List.copyOf(leaves);
  }

  static ConfigSchema fromResource(String resource) {
    try (InputStream in = ConfigSchema.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the configuration schema " + resource + " is not on the class path");
      }
      return of(new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ConfigSchema of(JsonObject schema) {
    return new ConfigSchema(schema);
  }

  /** Every key, nested ones by their dotted names ({@code tls.certPath}), in the schema's order. */
  List<String> keys() {
    return keys;
  }

  /**
   * Checks a merged configuration and returns a copy with every missing key set to its default.
   *
   * @throws InvalidConfigException naming the key and the value: an unknown key first, then the first key in schema order
   */
  JsonObject validatedWithDefaults(JsonObject json) {
    OutputUnit result = validator.validate(json);
    if (!result.getValid()) {
      throw describe(result.getErrors() == null ? List.of() : result.getErrors(), json);
    }
    JsonObject complete = json.copy();
    fillDefaults(schema, complete);
    return complete;
  }

  /**
   * Environment variables and system properties are text: read as the type the schema gives the key (an integer, a
   * boolean, a comma-separated list), and left as text when they do not parse, so the error shows what was given.
   */
  Object typed(String key, String text) {
    List<String> types = types(subschema(key).orElse(new JsonObject()));
    String trimmed = text.trim();
    if (types.contains("integer") && trimmed.matches("-?\\d{1,18}")) {
      return Long.parseLong(trimmed);
    }
    if (types.contains("number") && trimmed.matches("-?\\d+(\\.\\d+)?")) {
      return Double.parseDouble(trimmed);
    }
    if (types.contains("boolean") && (trimmed.equals("true") || trimmed.equals("false"))) {
      return Boolean.parseBoolean(trimmed);
    }
    if (types.contains("array")) {
      JsonArray items = new JsonArray();
      Arrays.stream(trimmed.split(",")).map(String::trim).filter(item -> !item.isEmpty()).forEach(items::add);
      return items;
    }
    return text;
  }

  /** The known key nearest to {@code name} by edit distance, ignoring case, dots and underscores, if one is near. */
  Optional<String> closestKey(String name) {
    String wanted = normalized(name);
    return keys.stream()
      .min(Comparator.comparingInt(key -> editDistance(normalized(key), wanted)))
      .filter(key -> editDistance(normalized(key), wanted) <= Math.max(2, wanted.length() / 3));
  }

  /** {@code tls.certPath} and {@code TLS_CERT_PATH} both read {@code tlscertpath}. */
  static String normalized(String key) {
    return key.replace("_", "").replace(".", "").toLowerCase(Locale.ROOT);
  }

  /** The message for an unknown key: the nearest known key when one is near, or else the list of keys. */
  InvalidConfigException unknownKey(String key) {
    String hint = closestKey(key)
      .map(known -> ", did you mean '" + known + "'?")
      .orElse(" (known keys: " + String.join(", ", keys) + ")");
    return new InvalidConfigException("unknown configuration key '" + key + "'" + hint);
  }

  private InvalidConfigException describe(List<OutputUnit> errors, JsonObject json) {
    // The validator also reports a known key with a bad value under additionalProperties, so "unknown" is decided here
    // from the schema; the most specific finding is the one with the longest keyword path.
    Optional<String> unknown = errors.stream()
      .map(error -> key(error.getInstanceLocation()))
      .filter(key -> !key.isEmpty() && subschema(key).isEmpty())
      .findFirst();
    if (unknown.isPresent()) {
      return unknownKey(unknown.get());
    }
    String key = errors.stream()
      .map(error -> key(error.getInstanceLocation()))
      .filter(found -> !found.isEmpty())
      .min(Comparator.comparingInt(found -> keys.indexOf(found) < 0 ? Integer.MAX_VALUE : keys.indexOf(found)))
      .orElse("");
    if (key.isEmpty()) {
      return new InvalidConfigException("invalid configuration: expected a JSON object of keys and values");
    }
    Object value = valueAt(json, key);
    String shown = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    return new InvalidConfigException("invalid configuration: " + key + "=" + shown
      + " (expected " + expected(subschema(key).orElseThrow()) + ")");
  }

  /** What a schema accepts, in words: {@code an integer from 0 to 65535}, {@code one of raw, line, length}. */
  private static String expected(JsonObject schema) {
    for (String alternatives : List.of("oneOf", "anyOf")) {
      if (schema.containsKey(alternatives)) {
        return schema.getJsonArray(alternatives).stream()
          .map(alternative -> expected((JsonObject) alternative))
          .collect(Collectors.joining(" or "));
      }
    }
    if (schema.containsKey("const")) {
      return quoted(schema.getValue("const"));
    }
    if (schema.containsKey("enum")) {
      return "one of " + schema.getJsonArray("enum").stream().map(String::valueOf).collect(Collectors.joining(", "));
    }
    List<String> types = types(schema);
    if (types.contains("integer")) {
      Number min = schema.getNumber("minimum");
      Number max = schema.getNumber("maximum");
      if (min != null && max != null) {
        return "an integer from " + min + " to " + max;
      }
      return "an integer" + (min != null ? " of at least " + min : "") + (max != null ? " of at most " + max : "");
    }
    if (types.contains("boolean")) {
      return "true or false";
    }
    if (types.contains("string")) {
      if (schema.containsKey("pattern")) {
        return "a string matching " + schema.getString("pattern");
      }
      return schema.getInteger("minLength", 0) > 0 ? "a non-empty string" : "a string";
    }
    if (types.contains("array")) {
      JsonObject items = schema.getJsonObject("items");
      return items == null ? "a list" : "a list of " + expected(items).replaceFirst("^an? ", "");
    }
    return types.contains("object") ? "an object of keys" : "a valid value";
  }

  private static List<String> types(JsonObject schema) {
    List<String> types = new ArrayList<>();
    Object type = schema.getValue("type");
    if (type instanceof String single) {
      types.add(single);
    } else if (type instanceof JsonArray several) {
      several.forEach(each -> types.add(String.valueOf(each)));
    }
    for (String alternatives : List.of("oneOf", "anyOf")) {
      JsonArray members = schema.getJsonArray(alternatives);
      if (members != null) {
        members.forEach(member -> types.addAll(types((JsonObject) member)));
      }
    }
    return types;
  }

  private static String quoted(Object value) {
    return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
  }

  /** The schema of a dotted key, or empty for a key the schema does not know. */
  private Optional<JsonObject> subschema(String dottedKey) {
    JsonObject current = schema;
    for (String part : dottedKey.split("\\.")) {
      JsonObject properties = current.getJsonObject("properties");
      if (properties == null || !(properties.getValue(part) instanceof JsonObject next)) {
        return Optional.empty();
      }
      current = next;
    }
    return Optional.of(current);
  }

  /**
   * {@code #/tls/certPath}, the validator's instance location, as {@code tls.certPath}; an item of a list
   * ({@code #/tls/protocols/1}) is reported as the list's key, with the whole list as its value.
   */
  private static String key(String instanceLocation) {
    String pointer = instanceLocation.startsWith("#") ? instanceLocation.substring(1) : instanceLocation;
    return Arrays.stream(pointer.split("/"))
      .filter(part -> !part.isEmpty())
      .takeWhile(part -> !part.matches("\\d+"))
      .map(part -> part.replace("~1", "/").replace("~0", "~"))
      .collect(Collectors.joining("."));
  }

  private static Object valueAt(JsonObject json, String dottedKey) {
    Object current = json;
    for (String part : dottedKey.split("\\.")) {
      current = current instanceof JsonObject object ? object.getValue(part) : null;
    }
    return current;
  }

  private static void collectKeys(JsonObject schema, String prefix, List<String> keys) {
    JsonObject properties = schema.getJsonObject("properties", new JsonObject());
    properties.forEach(property -> {
      JsonObject sub = (JsonObject) property.getValue();
      if (!sub.containsKey("default")) {
        // Every key must be filled for its record component; a group's default is {} and its keys have their own.
        throw new IllegalStateException("configuration key " + prefix + property.getKey() + " has no default in the schema");
      }
      if (sub.containsKey("properties")) {
        collectKeys(sub, prefix + property.getKey() + ".", keys);
      } else {
        keys.add(prefix + property.getKey());
      }
    });
  }

  private static void fillDefaults(JsonObject schema, JsonObject json) {
    JsonObject properties = schema.getJsonObject("properties", new JsonObject());
    properties.forEach(property -> {
      JsonObject sub = (JsonObject) property.getValue();
      if (!json.containsKey(property.getKey()) && sub.containsKey("default")) {
        Object fallback = sub.getValue("default");
        json.put(property.getKey(), fallback instanceof JsonObject object ? object.copy() : fallback);
      }
      if (sub.containsKey("properties") && json.getValue(property.getKey()) instanceof JsonObject nested) {
        fillDefaults(sub, nested);
      }
    });
  }

  /** Levenshtein distance: the number of one-character insertions, deletions and substitutions from a to b. */
  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
