package dev.echoloop.loadgen;

import io.vertx.core.buffer.Buffer;
import java.util.Optional;

/**
 * Reads the echoed stream of one connection, {@code <name>: <chunk><name>: <chunk>...} split anywhere
 * by TCP, separates the payload from the prefixes by alphabet, and checks the payload is exactly
 * what was sent, in order. After the first problem it only counts bytes, so one fault is one error.
 */
final class StreamVerifier {

  private final StreamPattern pattern;
  private byte[] scratch = new byte[64 * 1024];
  private int patternOffset;
  private long payloadBytes;
  private boolean inPrefix = true;
  private byte prefixLast;
  private byte prefixBeforeLast;
  private String failure;

  StreamVerifier(StreamPattern pattern) {
    this.pattern = pattern;
  }

  /** Checks one received chunk; returns how many payload bytes it held. */
  int onChunk(Buffer chunk) {
    int length = chunk.length();
    if (length > scratch.length) {
      scratch = new byte[length];
    }
    chunk.getBytes(0, length, scratch, 0);
    long payloadBefore = payloadBytes;
    int i = 0;
    while (i < length) {
      byte b = scratch[i];
      if (!StreamPattern.isPayload(b)) {
        onPrefixByte(b);
        i++;
      } else if (inPrefix) {
        onPayloadStart();
      } else if (failure == null) {
        i += matchPayloadRun(i, length);
      } else {
        payloadBytes++;
        i++;
      }
    }
    return (int) (payloadBytes - payloadBefore);
  }

  long payloadBytes() {
    return payloadBytes;
  }

  Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  private void onPrefixByte(byte b) {
    if (!inPrefix) {
      inPrefix = true;
      prefixLast = 0;
    }
    prefixBeforeLast = prefixLast;
    prefixLast = b;
  }

  private void onPayloadStart() {
    inPrefix = false;
    if (failure == null && (prefixBeforeLast != ':' || prefixLast != ' ')) {
      failure = "echoed byte " + payloadBytes + " is not preceded by a \"<name>: \" prefix";
    }
  }

  /**
   * Consumes the bytes from {@code start} that match the pattern and returns how many. The run ends
   * at the next prefix, whose bytes are never in the pattern, or at a payload byte that differs: a fault.
   */
  private int matchPayloadRun(int start, int end) {
    int i = start;
    while (i < end) {
      int matched = pattern.matchingLength(patternOffset, scratch, i, end);
      i += matched;
      payloadBytes += matched;
      patternOffset = (patternOffset + matched) % StreamPattern.PERIOD;
      if (patternOffset != 0 || i == end) {
        break;
      }
    }
    if (i < end && StreamPattern.isPayload(scratch[i])) {
      failure = "echoed byte " + payloadBytes + " differs from the byte sent";
    }
    return i - start;
  }
}
