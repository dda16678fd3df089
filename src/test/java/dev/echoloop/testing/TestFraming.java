package dev.echoloop.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The three framings as a test client speaks them, so one test can state a rule once and run it for each. Text is
 * ISO-8859-1 both ways, so every byte value maps to one char and back.
 */
public enum TestFraming {
  /** A message is whatever one read returned; the reply is {@code <thread>: <bytes>}. */
  RAW,
  /** A message ends at {@code \n}; the reply is {@code <thread>: <record>\n}. */
  LINE,
  /** A message is a 4-byte big-endian length and that many bytes; so is the reply. */
  LENGTH;

  /** The value of the {@code framing} configuration key. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code message} as the client puts it on the wire. */
  public byte[] encode(String message) {
    byte[] payload = message.getBytes(StandardCharsets.ISO_8859_1);
    return switch (this) {
      case RAW -> payload;
      case LINE -> concat(payload, new byte[] {'\n'});
      case LENGTH -> concat(ByteBuffer.allocate(4).putInt(payload.length).array(), payload);
    };
  }

  /**
   * Reads one reply (or one error, which is framed the same way), without its framing. With {@code raw}, TCP decides
   * where a reply ends, so it reads until what arrived ends with {@code message}.
   */
  public String readReply(BlockingClient client, String message) throws IOException {
    return switch (this) {
      case RAW -> client.readEndingWith(message);
      case LINE -> client.readLine();
      case LENGTH -> new String(client.readFrame(), StandardCharsets.ISO_8859_1);
    };
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      bytes.writeBytes(part);
    }
    return bytes.toByteArray();
  }
}
