package dev.echoloop.testing;

import dev.echoloop.config.EchoConfig;

import io.vertx.core.json.JsonObject;

/**
 * Configurations for tests: loopback, a port chosen by the OS, short timeouts so a failing test fails fast, and no
 * access log (the connection-storm tests would print ten thousand lines; the access log has its own test). The client's
 * timeout still leaves room for a JVM's first TLS handshake on a loaded 2-core machine, which took over 3 s here.
 */
public final class TestConfigs {

  private TestConfigs() {
  }

  public static EchoConfig loopback(int instances) {
    return EchoConfig.fromJson(new JsonObject()
      .put("host", "127.0.0.1")
      .put("port", 0)
      .put("instances", instances)
      .put("clientTimeoutSeconds", 10)
      .put("shutdownTimeoutSeconds", 2)
      .put("accessLog", false));
  }
}
