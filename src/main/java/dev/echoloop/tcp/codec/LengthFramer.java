package dev.echoloop.tcp.codec;

import io.vertx.core.buffer.Buffer;

/** Records prefixed by their length as a 4-byte big-endian signed integer. */
final class LengthFramer implements Framer {

  static final int HEADER_BYTES = 4;

  private final int maxFrameBytes;
  private Buffer pending = Buffer.buffer();
  private boolean rejected;

  LengthFramer(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  public void feed(Buffer chunk, FrameSink sink) {
    if (rejected) {
      return;
    }
    Buffer input = pending.length() == 0 ? chunk : pending.appendBuffer(chunk);
    int offset = 0;
    while (input.length() - offset >= HEADER_BYTES) {
      int length = input.getInt(offset);
      // The header is checked before any of the payload is kept, so a huge length costs nothing.
      if (length < 0 || length > maxFrameBytes) {
        rejected = true;
        pending = Buffer.buffer();
        sink.reject(length < 0 ? "ERR invalid frame length " + length : Framing.tooLong(maxFrameBytes));
        return;
      }
      if (input.length() - offset - HEADER_BYTES < length) {
        break;
      }
      sink.record(input.slice(offset + HEADER_BYTES, offset + HEADER_BYTES + length));
      offset += HEADER_BYTES + length;
    }
    // Records already delivered may share memory with the input, so the incomplete rest is copied, never compacted.
    pending = input.getBuffer(offset, input.length());
  }

  @Override
  public void endOfInput(FrameSink sink) {
    if (!rejected && pending.length() > 0) {
      rejected = true;
      sink.reject("ERR incomplete frame at end of input (" + pending.length() + " bytes)");
      pending = Buffer.buffer();
    }
  }
}
