package dev.echoloop.tcp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

import java.nio.ByteOrder;
import java.util.List;

/**
 * {@code length} framing: a 4-byte big-endian signed length, then that many bytes of record. Each record is a retained
 * slice of the bytes read, never a copy.
 *
 * <p>Netty's length-field decoder, failing fast: the length is checked before any of the payload is kept, so a huge
 * one costs nothing. Netty reads a 4-byte length as unsigned; echoloop's protocol says signed, so a negative length is
 * an error of its own ({@code ERR invalid frame length -5}), not a frame too long.
 */
final class LengthDecoder extends LengthFieldBasedFrameDecoder implements PartialRecord {

  static final int HEADER_BYTES = 4;

  LengthDecoder(int maxFrameBytes) {
    // Netty's limit counts the header too.
    super(maxFrameBytes + HEADER_BYTES, 0, HEADER_BYTES, 0, HEADER_BYTES, true);
  }

  @Override
  protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
    int frameLength = buf.getInt(offset);
    if (frameLength < 0) {
      throw new FrameException(FrameError.invalidLength(frameLength));
    }
    return frameLength;
  }

  /** A frame cut short by the client's half-close is reported, never answered as if it were whole. */
  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (in.isReadable() && ctx.channel().isActive()) {
      throw new FrameException(FrameError.incomplete(in.readableBytes()));
    }
  }

  @Override
  public int bufferedBytes() {
    return actualReadableBytes();
  }
}
