package dev.echoloop.loadgen;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Collects the bytes of one reply, however TCP splits them, and judges it once complete. A reply
 * must be {@code <thread name>": "<the message>}; since the message's only newline is its last
 * byte, the first newline received ends the reply, right or wrong.
 */
final class ReplyMatcher {

  enum Verdict { INCOMPLETE, MATCHED, MISMATCHED }

  /** Longer than any thread name; more bytes without a newline mean the reply went wrong. */
  private static final int MAX_PREFIX = 1024;
  private static final int SHOWN_BYTES = 120;

  private byte[] received = new byte[256];
  private int length;
  private byte[] expected;

  void expect(byte[] message) {
    expected = message;
    length = 0;
  }

  Verdict onChunk(Buffer chunk) {
    int chunkLength = chunk.length();
    if (length + chunkLength > received.length) {
      received = Arrays.copyOf(received, Math.max(received.length * 2, length + chunkLength));
    }
    chunk.getBytes(0, chunkLength, received, length);
    length += chunkLength;
    if (received[length - 1] != '\n') {
      return length > expected.length + MAX_PREFIX ? Verdict.MISMATCHED : Verdict.INCOMPLETE;
    }
    return isPrefixedMessage() ? Verdict.MATCHED : Verdict.MISMATCHED;
  }

  /** What arrived versus what was expected, for the error report; only built when a reply is wrong. */
  String describeMismatch() {
    return "expected <name>: " + shown(expected, 0, expected.length) + ", got " + shown(received, 0, length);
  }

  private boolean isPrefixedMessage() {
    int start = length - expected.length;
    if (start < 2 || received[start - 2] != ':' || received[start - 1] != ' ') {
      return false;
    }
    return Arrays.equals(received, start, length, expected, 0, expected.length);
  }

  private static String shown(byte[] bytes, int from, int to) {
    String text = new String(bytes, from, Math.min(to - from, SHOWN_BYTES), StandardCharsets.ISO_8859_1);
    return '"' + text.replace("\n", "\\n") + (to - from > SHOWN_BYTES ? "...\"" : "\"");
  }
}
