package dev.echoloop;

/** Configurations for tests: loopback, a port chosen by the OS, and short timeouts so a failing test fails fast. */
final class TestConfigs {

  private TestConfigs() {
  }

  static EchoConfig loopback(int instances) {
    return new EchoConfig("127.0.0.1", 0, instances, 3, 2);
  }
}
