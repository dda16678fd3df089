package dev.echoloop.client;

import java.util.Objects;

/** Why the client could not complete an exchange, in one line meant for the person running it. */
public final class ClientException extends RuntimeException {

  public ClientException(String message) {
    // Never null: callers log getMessage() as the whole one-line answer.
    super(Objects.requireNonNull(message, "message"), null, false, false);
  }
}
