package dev.echoloop.config;

import java.util.regex.Pattern;

/**
 * Environment variables that share echoloop's {@code ECHOLOOP_} prefix without being its configuration.
 *
 * <p>Kubernetes gives every pod, for every Service in its namespace, Docker-link style variables named after the
 * Service (the "Discovering services" section of the Kubernetes Service documentation): for a Service {@code echoloop}
 * with port 7007, {@code ECHOLOOP_SERVICE_HOST}, {@code ECHOLOOP_SERVICE_PORT} (and {@code ECHOLOOP_SERVICE_PORT_<NAME>}
 * for a named port), {@code ECHOLOOP_PORT=tcp://10.96.0.12:7007}, and {@code ECHOLOOP_PORT_7007_TCP} with its
 * {@code _ADDR}, {@code _PORT} and {@code _PROTO}. A Service {@code echoloop-admin} gives the same shapes under
 * {@code ECHOLOOP_ADMIN_}. Start scripts of common packaging tools (Gradle's application plugin, sbt-native-packager)
 * read JVM options from {@code ECHOLOOP_OPTS}.
 *
 * <p>{@code ECHOLOOP_PORT} is also echoloop's {@code port} key: only a URL value ({@code tcp://...}) marks it as a
 * service link, so {@code ECHOLOOP_PORT=9000} still sets the port.
 */
final class ServiceLinks {

  private static final String PREFIX = "ECHOLOOP_(?:[A-Z0-9_]+_)?";

  private static final Pattern SERVICE = Pattern.compile(PREFIX + "SERVICE_(?:HOST|PORT(?:_[A-Z0-9_]+)?)");
  private static final Pattern PORT_DETAIL = Pattern.compile(PREFIX + "PORT_\\d+_(?:TCP|UDP|SCTP)(?:_(?:ADDR|PORT|PROTO))?");
  private static final Pattern PORT = Pattern.compile(PREFIX + "PORT");
  private static final Pattern PORT_URL = Pattern.compile("(?:tcp|udp|sctp)://.*");
  private static final String OPTS = "ECHOLOOP_OPTS";

  private ServiceLinks() {
  }

  /** Whether this variable is a Kubernetes service link or a start script's JVM options, not a configuration key. */
  static boolean matches(String name, String value) {
    return name.equals(OPTS)
      || SERVICE.matcher(name).matches()
      || PORT_DETAIL.matcher(name).matches()
      || PORT.matcher(name).matches() && PORT_URL.matcher(value.trim()).matches();
  }
}
