package dev.echoloop.tcp.codec;

import io.vertx.core.buffer.Buffer;

/**
 * Newline-delimited records. The {@code \n} ends a record and is not part of it; a {@code \r} before it is kept as data.
 *
 * <p>Vert.x's {@code RecordParser.maxRecordSize} checks only what is left over after a chunk, so an oversize record that
 * arrives with its delimiter passes, and the parser keeps buffering after the error. Here every record is measured,
 * with or without its delimiter in the same chunk, and nothing is buffered once one is too long.
 */
final class LineFramer implements Framer {

  private static final byte NEWLINE = '\n';

  private final int maxFrameBytes;
  private Buffer pending = Buffer.buffer();
  private boolean rejected;

  LineFramer(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  public void feed(Buffer chunk, FrameSink sink) {
    if (rejected) {
      return;
    }
    int start = 0;
    for (int end = indexOfNewline(chunk, 0); end >= 0; end = indexOfNewline(chunk, start)) {
      if (pending.length() + end - start > maxFrameBytes) {
        reject(sink);
        return;
      }
      Buffer record = pending.length() == 0 ? chunk.slice(start, end) : pending.appendBuffer(chunk, start, end - start);
      pending = Buffer.buffer();
      sink.record(record);
      start = end + 1;
    }
    if (pending.length() + chunk.length() - start > maxFrameBytes) {
      reject(sink);
      return;
    }
    // The rest is an incomplete record; it is copied because the chunk's own memory is handed on with earlier records.
    pending.appendBuffer(chunk, start, chunk.length() - start);
  }

  @Override
  public void endOfInput(FrameSink sink) {
    // A last line without its newline is still a line: answering it loses nothing the client sent.
    if (!rejected && pending.length() > 0) {
      Buffer last = pending;
      pending = Buffer.buffer();
      sink.record(last);
    }
  }

  private void reject(FrameSink sink) {
    rejected = true;
    pending = Buffer.buffer();
    sink.reject(Framing.tooLong(maxFrameBytes));
  }

  private static int indexOfNewline(Buffer chunk, int from) {
    for (int i = from; i < chunk.length(); i++) {
      if (chunk.getByte(i) == NEWLINE) {
        return i;
      }
    }
    return -1;
  }
}
