package dev.echoloop.peers;

/**
 * The command line every peer accepts: {@code --host H --port N [--threads N] [--transport nio|epoll]}.
 */
record PeerArgs(String host, int port, int threads, String transport) {

  /** Parses the arguments, or prints a one-line usage message and exits with status 2. */
  static PeerArgs parse(String[] args) {
    try {
      return parseOrThrow(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return null;
    }
  }

  private static PeerArgs parseOrThrow(String[] args) {
    String host = "127.0.0.1";
    int port = 0;
    // availableProcessors() honours taskset, so a server pinned to one core gets one event loop.
    int threads = Runtime.getRuntime().availableProcessors();
    String transport = "nio";
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--host" -> host = require(args[i], value);
        case "--port" -> port = integer(args[i], value);
        case "--threads" -> threads = integer(args[i], value);
        case "--transport" -> transport = require(args[i], value);
        default -> throw usage("unknown option " + args[i]);
      }
      i++;
    }
    if (port < 0 || port > 65535 || threads < 1 || !(transport.equals("nio") || transport.equals("epoll"))) {
      throw usage("invalid --port, --threads or --transport");
    }
    return new PeerArgs(host, port, threads, transport);
  }

  private static String require(String option, String value) {
    if (value == null) {
      throw usage(option + " needs a value");
    }
    return value;
  }

  private static int integer(String option, String value) {
    try {
      return Integer.parseInt(require(option, value));
    } catch (NumberFormatException e) {
      throw usage(option + " needs an integer, not " + value);
    }
  }

  private static IllegalArgumentException usage(String problem) {
    return new IllegalArgumentException(problem
      + "; usage: --host 127.0.0.1 --port N [--threads N] [--transport nio|epoll]");
  }

  /** The line the benchmark driver waits for; printed once the socket is bound. */
  static void announce(String host, int port) {
    System.out.println("listening on " + host + ":" + port);
    System.out.flush();
  }
}
