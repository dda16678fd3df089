package dev.echoloop.loadgen;

import java.util.Locale;

/** The workloads the load generator runs, with the defaults that make each one meaningful. */
public enum Mode {
  /** Persistent connections doing request/response ping-pong. */
  RR(64, 64),
  /** Connect, send one line, read the reply, close: the original Python client's loop. */
  CPR(16, 0),
  /** Continuous writes with backpressure while the echoed bytes are checked. */
  STREAM(1, 16 * 1024),
  /** Many connections held open, then asked once each whether they still answer. */
  IDLE(10_000, 64),
  /** UDP sockets each sending a datagram, waiting for its reply or the timeout, then sending the next. */
  UDP(16, 64);

  private final int defaultConnections;
  private final int defaultSize;

  Mode(int defaultConnections, int defaultSize) {
    this.defaultConnections = defaultConnections;
    this.defaultSize = defaultSize;
  }

  int defaultConnections() {
    return defaultConnections;
  }

  /** Request size for rr, idle and udp, write size for stream; cpr's message is fixed, so it has none. */
  int defaultSize() {
    return defaultSize;
  }

  String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
