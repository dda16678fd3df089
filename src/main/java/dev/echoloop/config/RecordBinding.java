package dev.echoloop.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Copies a validated configuration object into a configuration record and back, by component name: a JSON key
 * {@code maxFrameBytes} fills the component {@code maxFrameBytes}, a nested object fills a nested record, an enum is
 * written as its constant's name in lower case.
 *
 * <p>The schema has already checked every type and range, so a mismatch here is a programming error: a schema key with
 * no record component, or the reverse, fails with {@link IllegalStateException} on the first configuration read, which
 * every test does. Jackson's databind could do this too, but it is not otherwise on the class path, and its object
 * mapper would be built on every start, for a handful of small records.
 */
final class RecordBinding {

  private RecordBinding() {
  }

  /** Builds a record of {@code type} from a complete, validated JSON object. */
  static <R extends Record> R fromJson(JsonObject json, Class<R> type) {
    RecordComponent[] components = type.getRecordComponents();
    List<String> names = Arrays.stream(components).map(RecordComponent::getName).toList();
    json.fieldNames().stream().filter(key -> !names.contains(key)).findFirst().ifPresent(key -> {
      throw new IllegalStateException("schema key '" + key + "' has no component in " + type.getSimpleName());
    });
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = value(json.getValue(components[i].getName()), types[i], type.getSimpleName() + "." + names.get(i));
    }
    try {
      return type.getDeclaredConstructor(types).newInstance(values);
    } catch (InvocationTargetException e) {
      // A record's own rule across its keys (TlsConfig's client CA) speaks through its constructor.
      if (e.getCause() instanceof RuntimeException rule) {
        throw rule;
      }
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
    }
  }

  /** The JSON object a record was read from: nested records nest, enums are written in lower case. */
  static JsonObject toJson(Record record) {
    JsonObject json = new JsonObject();
    for (RecordComponent component : record.getClass().getRecordComponents()) {
      try {
        json.put(component.getName(), jsonValue(component.getAccessor().invoke(record)));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + component, e);
      }
    }
    return json;
  }

  /** How an enum value is written in the configuration: its name in lower case ({@code "io_uring"}). */
  static String lowerCase(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT);
  }

  private static Object value(Object json, Class<?> type, String component) {
    if (json == null) {
      throw new IllegalStateException(component + " has no key with a default in the configuration schema");
    }
    if (type == int.class) {
      return ((Number) json).intValue();
    }
    if (type == long.class) {
      return ((Number) json).longValue();
    }
    if (type == double.class) {
      return ((Number) json).doubleValue();
    }
    if (type == boolean.class || type == String.class) {
      return json;
    }
    if (type.isEnum()) {
      return Arrays.stream(type.getEnumConstants())
        .filter(constant -> lowerCase((Enum<?>) constant).equals(json))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(component + " has no constant for \"" + json + "\""));
    }
    if (type.isRecord()) {
      return fromJson((JsonObject) json, type.asSubclass(Record.class));
    }
    if (type == List.class) {
      return ((JsonArray) json).stream().map(String::valueOf).collect(Collectors.toUnmodifiableList());
    }
    throw new IllegalStateException(component + ": no binding for " + type.getName());
  }

  private static Object jsonValue(Object value) {
    if (value instanceof Enum<?> constant) {
      return lowerCase(constant);
    }
    if (value instanceof Record nested) {
      return toJson(nested);
    }
    if (value instanceof List<?> list) {
      return new JsonArray(List.copyOf(list));
    }
    return value;
  }
}
