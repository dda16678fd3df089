package dev.echoloop.tcp.codec;

import dev.echoloop.config.Framing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * The bytes on the wire for one {@link Framing}: the decoder that cuts records out of the stream, and what goes around
 * each reply and error.
 *
 * <p>A reply is {@code header(length) + "<thread>: " + record + trailer()}, written as separate direct buffers joined
 * without copying, so the record goes back in the memory it was read into. An error is one line without the thread
 * prefix, framed like a reply.
 */
public enum WireFormat {

  RAW, LINE, LENGTH;

  /** Shared by every line reply; each takes a duplicate, and nobody can release it. */
  private static final ByteBuf NEWLINE = Unpooled.unreleasableBuffer(Unpooled.directBuffer(1).writeByte('\n'));

  /** The pipeline name of the decoder, for handlers that must sit in front of it (PROXY protocol, TLS). */
  public static final String DECODER = "echoloop-decoder";

  public static WireFormat of(Framing framing) {
    return switch (framing) {
      case RAW -> RAW;
      case LINE -> LINE;
      case LENGTH -> LENGTH;
    };
  }

  /**
   * Installs this framing's decoder in front of {@code before}, followed by the handler that turns its errors into
   * {@link FrameError} values. What reaches {@code before} is then a retained {@code ByteBuf} per record, or a
   * {@code FrameError}; with {@code raw} nothing is installed and each read is one record.
   *
   * @param maxFrameBytes the longest record accepted, in bytes; a longer one is a {@link FrameError.Kind#TOO_LONG}
   */
  public void addDecoder(ChannelPipeline pipeline, String before, int maxFrameBytes) {
    ByteToMessageDecoder decoder = switch (this) {
      case RAW -> null;
      case LINE -> new LineDecoder(maxFrameBytes);
      case LENGTH -> new LengthDecoder(maxFrameBytes);
    };
    if (decoder != null) {
      pipeline.addBefore(before, DECODER, decoder);
      pipeline.addBefore(before, "echoloop-frame-errors", new FrameErrorHandler(decoder, maxFrameBytes));
    }
  }

  /**
   * Bytes the decoder in {@code pipeline} holds that are not yet a delivered record; 0 with {@code raw}, where each
   * read is one record, and after a framing error, which removes the decoder.
   */
  public static int bufferedBytes(ChannelPipeline pipeline) {
    return pipeline.get(DECODER) instanceof PartialRecord decoder ? decoder.bufferedBytes() : 0;
  }

  /** What goes before a reply of {@code replyLength} bytes, a pooled direct buffer the write releases; or null. */
  public ByteBuf header(ByteBufAllocator allocator, int replyLength) {
    return this == LENGTH ? allocator.directBuffer(LengthDecoder.HEADER_BYTES).writeInt(replyLength) : null;
  }

  /** What goes after a reply, a buffer the write may release; or null. */
  public ByteBuf trailer() {
    return this == LINE ? NEWLINE.duplicate() : null;
  }

  /** A one-line error in this framing: length-prefixed for {@code length}, newline-terminated otherwise. */
  public Buffer errorMessage(String error) {
    return line(error);
  }

  /**
   * One line of text the server sends of its own (an error, the info line), framed like a reply: length-prefixed for
   * {@code length}, newline-terminated otherwise.
   */
  public Buffer line(String line) {
    byte[] text = line.getBytes(StandardCharsets.UTF_8);
    return this == LENGTH
      ? Buffer.buffer(LengthDecoder.HEADER_BYTES + text.length).appendInt(text.length).appendBytes(text)
      : Buffer.buffer(text.length + 1).appendBytes(text).appendByte((byte) '\n');
  }
}
