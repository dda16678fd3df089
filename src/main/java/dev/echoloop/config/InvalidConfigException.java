package dev.echoloop.config;

import java.util.Objects;

/**
 * A configuration value that echoloop refuses to start with. The message is one line that names the key and the
 * offending value, so it is printed as is, without a stack trace.
 */
public final class InvalidConfigException extends RuntimeException {

  public InvalidConfigException(String message) {
    // Never null: callers log getMessage() as the whole one-line answer.
    super(Objects.requireNonNull(message, "message"), null, false, false);
  }
}
