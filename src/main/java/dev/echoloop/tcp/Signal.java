package dev.echoloop.tcp;

/**
 * An event of a connection's life that its {@link EchoConnection} must act on, delivered by {@link ConnectionSignals}
 * through the same channel as the records, so the connection learns of each one exactly one way.
 *
 * @param kind    what happened
 * @param failure the exception, for {@link Kind#FAILED}; otherwise null
 */
record Signal(Kind kind, Throwable failure) {

  enum Kind {
    /** The client shut its output (half-close); every record it sent before has been delivered. */
    END_OF_INPUT,
    /** A graceful shutdown began ({@code NetServer.shutdown}): with {@code drain: boundary}, the connection ends. */
    SHUTDOWN,
    /** Nothing was received for {@code idleTimeoutSeconds}. */
    IDLE_TIMEOUT,
    /** A graceful shutdown's {@code shutdownTimeoutSeconds} have passed and the connection is still open. */
    SHUTDOWN_DEADLINE,
    /** The channel failed: a read or write error, a TLS record that does not decrypt. */
    FAILED
  }

  static final Signal END_OF_INPUT = new Signal(Kind.END_OF_INPUT, null);
  static final Signal SHUTDOWN = new Signal(Kind.SHUTDOWN, null);
  static final Signal IDLE_TIMEOUT = new Signal(Kind.IDLE_TIMEOUT, null);
  static final Signal SHUTDOWN_DEADLINE = new Signal(Kind.SHUTDOWN_DEADLINE, null);

  static Signal failed(Throwable failure) {
    return new Signal(Kind.FAILED, failure);
  }
}
