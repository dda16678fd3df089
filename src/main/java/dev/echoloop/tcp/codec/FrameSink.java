package dev.echoloop.tcp.codec;

import io.vertx.core.buffer.Buffer;

/** Where a {@link Framer} delivers what it cut out of the byte stream. */
public interface FrameSink {

  /** One complete record: its payload, without framing bytes. */
  void record(Buffer payload);

  /** The stream broke the framing; {@code error} is the one-line answer. No record follows. */
  void reject(String error);
}
