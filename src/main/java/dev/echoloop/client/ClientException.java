package dev.echoloop.client;

/** Why the client could not complete an exchange, in one line meant for the person running it. */
public final class ClientException extends RuntimeException {

  public ClientException(String message) {
    super(message, null, false, false);
  }
}
