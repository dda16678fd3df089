package dev.echoloop.tcp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * How a connection's bytes are cut into messages, and how replies and errors are framed in return.
 *
 * <p>A reply is {@code header(length) + "<thread>: " + payload + trailer()}, written as separate buffers so that the
 * payload goes back without being copied.
 */
public enum Framing {

  /** One reply per buffer read, as in the Python example. */
  RAW,
  /** One reply per {@code \n}-terminated line, itself terminated by {@code \n}. */
  LINE,
  /** One reply per length-prefixed frame, itself length-prefixed. */
  LENGTH;

  /** Shared by every line reply; each takes a duplicate, and nobody can release it. */
  private static final ByteBuf NEWLINE = Unpooled.unreleasableBuffer(Unpooled.directBuffer(1).writeByte('\n'));


  /** The framer that cuts records out of the stream, or null for {@code raw}, where every read is one message. */
  public Framer newFramer(int maxFrameBytes) {
    return switch (this) {
      case RAW -> null;
      case LINE -> new LineFramer(maxFrameBytes);
      case LENGTH -> new LengthFramer(maxFrameBytes);
    };
  }

  /** What goes before a reply of {@code replyLength} bytes, or null. */
  public ByteBuf header(int replyLength) {
    return this == LENGTH ? Unpooled.buffer(LengthFramer.HEADER_BYTES).writeInt(replyLength) : null;
  }

  /** What goes after a reply, or null. */
  public ByteBuf trailer() {
    return this == LINE ? NEWLINE.duplicate() : null;
  }

  /** A one-line error in this framing: length-prefixed for {@code length}, newline-terminated otherwise. */
  public Buffer errorMessage(String error) {
    byte[] text = error.getBytes(StandardCharsets.UTF_8);
    return this == LENGTH
      ? Buffer.buffer(LengthFramer.HEADER_BYTES + text.length).appendInt(text.length).appendBytes(text)
      : Buffer.buffer(text.length + 1).appendBytes(text).appendByte((byte) '\n');
  }

  /** How every "frame too long" error starts. */
  public static final String TOO_LONG = "ERR frame too long";

  static String tooLong(int maxFrameBytes) {
    return TOO_LONG + " (max " + maxFrameBytes + " bytes)";
  }
}
