package dev.echoloop.config;

import io.vertx.core.transport.Transport;

/** Which Netty transport the event loops use: the {@code transport} configuration key. */
public enum TransportChoice {

  /**
   * The native transport Vert.x picks for the machine (epoll on Linux, io_uring where epoll cannot load), falling back
   * to NIO when no native transport loads.
   */
  AUTO,
  NIO,
  EPOLL,
  IO_URING;

  /**
   * The transport to build Vert.x with. An explicitly named transport that cannot load here is a configuration error,
   * not a silent fallback: whoever asked for epoll is measuring or tuning for it.
   */
  public Transport resolve() {
    if (this == AUTO) {
      Transport nativeTransport = Transport.nativeTransport();
      return nativeTransport != null && nativeTransport.available() ? nativeTransport : Transport.NIO;
    }
    Transport transport = switch (this) {
      case NIO -> Transport.NIO;
      case EPOLL -> Transport.EPOLL;
      default -> Transport.IO_URING;
    };
    if (transport == null || !transport.available()) {
      Throwable cause = transport == null ? null : transport.unavailabilityCause();
      throw new InvalidConfigException("invalid configuration: transport=\"" + EchoConfig.lowerCase(this)
        + "\" is not available here"
        + (cause == null ? "" : " (" + cause + ")"));
    }
    return transport;
  }
}
