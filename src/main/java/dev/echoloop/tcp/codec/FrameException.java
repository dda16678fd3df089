package dev.echoloop.tcp.codec;

import io.netty.handler.codec.DecoderException;

/** Thrown by echoloop's decoders where Netty's own exception would not carry the value the {@code ERR} line needs. */
final class FrameException extends DecoderException {

  private final transient FrameError error;

  FrameException(FrameError error) {
    super(error.message());
    this.error = error;
  }

  FrameError error() {
    return error;
  }
}
