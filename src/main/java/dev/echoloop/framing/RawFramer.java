package dev.echoloop.framing;

import io.vertx.core.buffer.Buffer;

/** The Python example's framing, which is none: every buffer read from the socket is one record. */
final class RawFramer implements Framer {

  @Override
  public void feed(Buffer chunk, FrameSink sink) {
    sink.record(chunk);
  }

  @Override
  public void endOfInput(FrameSink sink) {
  }
}
