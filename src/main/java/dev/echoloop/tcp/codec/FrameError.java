package dev.echoloop.tcp.codec;

/**
 * Why a framed byte stream was refused: a value the connection answers with one {@code ERR} line before it closes, and
 * counts by {@link Kind}. It is delivered in order with the records, after every record that came before the fault.
 *
 * @param kind    what was wrong
 * @param message the one-line answer, without its framing: {@code "ERR frame too long (max 65536 bytes)"}
 */
public record FrameError(Kind kind, String message) {

  /** What was wrong with the stream. */
  public enum Kind {
    /** A record longer than {@code maxFrameBytes}, refused as soon as it passed the limit. */
    TOO_LONG,
    /** A {@code length} prefix below zero. */
    INVALID_LENGTH,
    /** The client half-closed in the middle of a {@code length} frame. */
    INCOMPLETE
  }

  static FrameError tooLong(int maxFrameBytes) {
    return new FrameError(Kind.TOO_LONG, "ERR frame too long (max " + maxFrameBytes + " bytes)");
  }

  static FrameError invalidLength(int length) {
    return new FrameError(Kind.INVALID_LENGTH, "ERR invalid frame length " + length);
  }

  static FrameError incomplete(int bytes) {
    return new FrameError(Kind.INCOMPLETE, "ERR incomplete frame at end of input (" + bytes + " bytes)");
  }
}
