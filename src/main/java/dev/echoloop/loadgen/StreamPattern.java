package dev.echoloop.loadgen;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * The payload one stream connection sends, over and over: a deterministic pseudo-random sequence
 * of bytes from an alphabet that shares no byte with thread names or the {@code ": "} separator,
 * so the echoed payload can be told apart from the reply prefixes the server inserts.
 */
final class StreamPattern {

  private static final byte[] ALPHABET = {'%', '+', '=', '~', '!', '^', '*', '\n'};
  private static final boolean[] IS_PAYLOAD = new boolean[256];

  static {
    for (byte b : ALPHABET) {
      IS_PAYLOAD[b & 0xff] = true;
    }
  }

  /** A prime, so no power-of-two write size lines up with it and a lost write shifts the comparison. */
  static final int PERIOD = 65_521;

  /** One period, then enough of its start that any chunk is one slice without wrapping. */
  private final byte[] bytes;
  private final Buffer wire;

  StreamPattern(int connection, int chunkSize) {
    bytes = new byte[PERIOD + chunkSize];
    long state = 0x9E3779B97F4A7C15L * (connection + 1);
    for (int i = 0; i < PERIOD; i++) {
      state ^= state << 13;
      state ^= state >>> 7;
      state ^= state << 17;
      bytes[i] = ALPHABET[(int) (state >>> 61)];
    }
    for (int i = PERIOD; i < bytes.length; i++) {
      bytes[i] = bytes[i - PERIOD];
    }
    wire = Buffer.buffer(bytes);
  }

  static boolean isPayload(byte b) {
    return IS_PAYLOAD[b & 0xff];
  }

  /**
   * How many bytes of {@code data[from, to)} equal the pattern from this offset on, stopping at the end
   * of the period. The comparison is vectorised, which keeps the client faster than the loopback.
   */
  int matchingLength(int offset, byte[] data, int from, int to) {
    int length = Math.min(to - from, PERIOD - offset);
    int mismatch = Arrays.mismatch(data, from, from + length, bytes, offset, offset + length);
    return mismatch < 0 ? length : mismatch;
  }

  /** {@code size} bytes from this offset of the period, sharing memory with the pattern: nothing is copied. */
  Buffer chunk(int offset, int size) {
    return wire.slice(offset, offset + size);
  }
}
