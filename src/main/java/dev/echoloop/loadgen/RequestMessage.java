package dev.echoloop.loadgen;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A request line of a fixed size, {@code c<connection> s<sequence> <filler>\n}, whose connection
 * and sequence numbers make a stray or stale reply fail the check. The sequence is advanced in
 * place so that no request allocates: the previous write is complete once its reply came back.
 */
final class RequestMessage {

  private static final int CONNECTION_DIGITS = 6;
  private static final int SEQUENCE_DIGITS = 8;
  private static final int SEQUENCE_START = 1 + CONNECTION_DIGITS + 2;
  private static final int HEADER_LENGTH = SEQUENCE_START + SEQUENCE_DIGITS + 1;

  /** The header, then the newline. */
  static final int MIN_SIZE = HEADER_LENGTH + 1;
  /** Connection numbers must fit their digits. */
  static final int MAX_CONNECTIONS = 999_999;

  private final byte[] bytes;
  private final Buffer wire;

  RequestMessage(int connection, int size) {
    if (size < MIN_SIZE || connection > MAX_CONNECTIONS) {
      throw new IllegalArgumentException("size " + size + " or connection " + connection + " out of range");
    }
    bytes = new byte[size];
    String header = String.format("c%0" + CONNECTION_DIGITS + "d s%0" + SEQUENCE_DIGITS + "d ", connection, 0);
    System.arraycopy(header.getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, HEADER_LENGTH);
    for (int i = HEADER_LENGTH; i < size - 1; i++) {
      bytes[i] = (byte) ('a' + (connection + i) % 26);
    }
    bytes[size - 1] = '\n';
    wire = Buffer.buffer(bytes);
  }

  /** The bytes the reply must end with. */
  byte[] bytes() {
    return bytes;
  }

  /** The buffer to write; the same instance every time. */
  Buffer wire() {
    return wire;
  }

  /**
   * Whether {@code data[offset..]} is this connection's request with another sequence number: the reply to an earlier
   * request that arrived after its timeout.
   */
  boolean isOtherSequence(byte[] data, int offset, int length) {
    if (length != bytes.length) {
      return false;
    }
    int sequenceEnd = SEQUENCE_START + SEQUENCE_DIGITS;
    return Arrays.equals(data, offset, offset + SEQUENCE_START, bytes, 0, SEQUENCE_START)
        && Arrays.equals(data, offset + sequenceEnd, offset + length, bytes, sequenceEnd, bytes.length)
        && !Arrays.equals(data, offset + SEQUENCE_START, offset + sequenceEnd, bytes, SEQUENCE_START, sequenceEnd);
  }

  /** Counts the decimal sequence number up by one, wrapping at 10^8, in the bytes and the buffer. */
  void advance() {
    for (int i = SEQUENCE_START + SEQUENCE_DIGITS - 1; i >= SEQUENCE_START; i--) {
      if (bytes[i] == '9') {
        bytes[i] = '0';
      } else {
        bytes[i]++;
        break;
      }
    }
    wire.setBytes(SEQUENCE_START, bytes, SEQUENCE_START, SEQUENCE_DIGITS);
  }
}
