package dev.echoloop.loadgen;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts one connection's received bytes into replies, however TCP splits or joins them, and judges each one against the
 * request it answers. A reply must be {@code <prefix><separator><the request>}, where the separator is the reply
 * prefix's text after its last placeholder ({@code ": "} for {@code "{thread}: "}); since a request's only newline is
 * its last byte, the first newline received ends a reply, right or wrong. Replies to pipelined requests follow each
 * other in order, as the server answers them.
 */
final class ReplyMatcher {

  enum Verdict { INCOMPLETE, MATCHED, MISMATCHED }

  /** Longer than any prefix; more bytes without a newline mean the reply went wrong. */
  private static final int MAX_PREFIX = 1024;
  private static final int SHOWN_BYTES = 120;

  private final byte[] separator;
  private byte[] received = new byte[256];
  /** The unjudged bytes are {@code received[start, end)}; the last judged reply is {@code [lastStart, lastEnd)}. */
  private int start;
  private int end;
  private int lastStart;
  private int lastEnd;
  private int lastPayloadStart;
  /** Bytes before this were already searched for a newline. */
  private int scanned;

  ReplyMatcher(byte[] separator) {
    this.separator = separator;
  }

  void append(Buffer chunk) {
    int chunkLength = chunk.length();
    if (end + chunkLength > received.length) {
      // Judged replies are dropped only here, so the last one stays readable until more bytes arrive.
      System.arraycopy(received, start, received, 0, end - start);
      end -= start;
      scanned -= start;
      start = 0;
      lastStart = lastEnd = lastPayloadStart = 0;
      if (end + chunkLength > received.length) {
        received = Arrays.copyOf(received, Math.max(received.length * 2, end + chunkLength));
      }
    }
    chunk.getBytes(0, chunkLength, received, end);
    end += chunkLength;
  }

  /** Judges the first complete reply received as the answer to {@code expected}, and consumes it. */
  Verdict next(byte[] expected) {
    int newline = indexOfNewline();
    if (newline < 0) {
      if (end - start > expected.length + MAX_PREFIX) {
        consume(end, end);
        return Verdict.MISMATCHED;
      }
      return Verdict.INCOMPLETE;
    }
    int replyEnd = newline + 1;
    int payloadStart = replyEnd - expected.length;
    consume(replyEnd, payloadStart);
    return isPrefixedMessage(expected) ? Verdict.MATCHED : Verdict.MISMATCHED;
  }

  /** Unjudged bytes are waiting: a reply has begun, or bytes came that no request asked for. */
  boolean hasBytes() {
    return end > start;
  }

  /** Forgets everything received, e.g. the partial reply of a connection that closed. */
  void clear() {
    start = end = lastStart = lastEnd = lastPayloadStart = scanned = 0;
  }

  /** The prefix of the reply judged last: everything before its payload. */
  String lastPrefix() {
    int prefixEnd = Math.max(lastStart, lastPayloadStart);
    return new String(received, lastStart, prefixEnd - lastStart, StandardCharsets.UTF_8);
  }

  /** What arrived versus what was expected, for the error report; only built when a reply is wrong. */
  String describeMismatch(byte[] expected) {
    return "expected <prefix>" + shown(separator, 0, separator.length) + shown(expected, 0, expected.length)
        + ", got " + shown(received, lastStart, lastEnd);
  }

  private void consume(int replyEnd, int payloadStart) {
    lastStart = start;
    lastEnd = replyEnd;
    lastPayloadStart = payloadStart;
    start = replyEnd;
    scanned = replyEnd;
  }

  private int indexOfNewline() {
    for (int i = Math.max(start, scanned); i < end; i++) {
      if (received[i] == '\n') {
        return i;
      }
    }
    scanned = end;
    return -1;
  }

  private boolean isPrefixedMessage(byte[] expected) {
    int separatorStart = lastPayloadStart - separator.length;
    if (lastPayloadStart < lastStart || separatorStart < lastStart) {
      return false;
    }
    return Arrays.equals(received, separatorStart, lastPayloadStart, separator, 0, separator.length)
        && Arrays.equals(received, lastPayloadStart, lastEnd, expected, 0, expected.length);
  }

  private static String shown(byte[] bytes, int from, int to) {
    String text = new String(bytes, from, Math.min(to - from, SHOWN_BYTES), StandardCharsets.ISO_8859_1);
    return '"' + text.replace("\n", "\\n") + (to - from > SHOWN_BYTES ? "...\"" : "\"");
  }
}
