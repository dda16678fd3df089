package dev.echoloop.tcp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DelimiterBasedFrameDecoder;

import java.util.List;

/**
 * {@code line} framing: records ended by {@code \n}, which is not part of the record. Each record is a retained slice
 * of the bytes read, never a copy.
 *
 * <p>Netty's delimiter decoder with {@code \n} as its only delimiter, so a {@code \r} before it stays data
 * ({@code Delimiters.lineDelimiter()} would strip it). It fails fast: a record is refused with a
 * {@code TooLongFrameException} as soon as it passes the limit, with or without its delimiter in the same read, and is
 * never buffered whole (unlike Vert.x's {@code RecordParser.maxRecordSize}, which checks only what is left over).
 */
final class LineDecoder extends DelimiterBasedFrameDecoder implements PartialRecord {

  /** Shared by every decoder, which only reads it; nobody may release it. */
  private static final ByteBuf NEWLINE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[] {'\n'}));

  LineDecoder(int maxFrameBytes) {
    super(maxFrameBytes, true, true, NEWLINE);
  }

  /**
   * At half-close the complete lines have already been cut; a last line without its newline is still a line, and
   * answering it loses nothing the client sent. At a full close nobody is left to answer.
   */
  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (in.isReadable() && ctx.channel().isActive()) {
      out.add(in.readRetainedSlice(in.readableBytes()));
    }
  }

  @Override
  public int bufferedBytes() {
    return actualReadableBytes();
  }
}
