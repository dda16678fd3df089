package dev.echoloop.tcp.codec;

import io.vertx.core.buffer.Buffer;

/**
 * Cuts one connection's byte stream into records (for {@code line} and {@code length}; {@code raw} needs none). A framer holds at most one incomplete record, and never more than the
 * frame limit of it: input that would exceed the limit is rejected as soon as that is known.
 */
public interface Framer {

  void feed(Buffer chunk, FrameSink sink);

  /** The client shut its output: deliver or reject what is still incomplete. */
  void endOfInput(FrameSink sink);
}
