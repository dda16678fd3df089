package dev.echoloop.config;

/**
 * The {@code framing} key: what one message is. Only the choice lives here; the decoders and the bytes around replies
 * and errors are the wire format, in {@code tcp.codec}.
 */
public enum Framing {

  /** One message per buffer read from the socket, as in the Python example. */
  RAW,
  /** One message per {@code \n}-terminated line. */
  LINE,
  /** One message per frame prefixed by its length, a 4-byte big-endian signed integer. */
  LENGTH
}
