package dev.echoloop.loadgen;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

/**
 * Sends a PROXY protocol header (HAProxy's PROXY protocol spec, v1 text or v2 binary) as the first bytes of a
 * connection, as a load balancer would, so that the PROXY path can be tested and measured without one. Netty's
 * encoder writes it through a one-shot handler that leaves the pipeline once the header is out, the shape of Netty's
 * haproxy example.
 *
 * <p>With TLS, the header goes on the plain connection and the handshake follows it: the order a server reading PROXY
 * before TLS expects.
 */
public final class ProxyHeader {

  /** The {@code --proxy-header} choices. */
  public enum Version {
    V1(HAProxyProtocolVersion.V1), V2(HAProxyProtocolVersion.V2);

    private final HAProxyProtocolVersion netty;

    Version(HAProxyProtocolVersion netty) {
      this.netty = netty;
    }
  }

  private static final String V1_UNKNOWN = "PROXY UNKNOWN\r\n";

  private ProxyHeader() {
  }

  /** Sends {@code PROXY} with the connection's own addresses: the client is this socket's local end. */
  public static Future<Void> sendOwnAddresses(NetSocket socket, Version version) {
    return send(socket, version, socket.localAddress(), socket.remoteAddress());
  }

  /**
   * Sends a {@code PROXY} header naming {@code source} as the client and {@code destination} as the address it reached.
   * Both must be IP addresses of the same family.
   */
  public static Future<Void> send(NetSocket socket, Version version, SocketAddress source, SocketAddress destination) {
    HAProxyProxiedProtocol protocol = source.host().contains(":") ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4;
    return write(socket, new HAProxyMessage(version.netty, HAProxyCommand.PROXY, protocol,
      source.hostAddress(), destination.hostAddress(), source.port(), destination.port()));
  }

  /**
   * Sends what a load balancer's health check sends: v2 {@code LOCAL}, or v1 {@code PROXY UNKNOWN}, whose addresses the
   * server must ignore.
   */
  public static Future<Void> sendLocal(NetSocket socket, Version version) {
    if (version == Version.V1) {
      // Netty 4.2.9's encoder writes the absent addresses of a v1 UNKNOWN header as null; the spec's line is fixed.
      return socket.write(Buffer.buffer(V1_UNKNOWN));
    }
    return write(socket, new HAProxyMessage(version.netty, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN,
      null, null, 0, 0));
  }

  private static Future<Void> write(NetSocket socket, HAProxyMessage header) {
    NetSocketInternal internal = (NetSocketInternal) socket;
    internal.channelHandlerContext().pipeline().addBefore("handler", "echoloop-proxy-header", new OneShotHandler());
    return internal.writeMessage(header);
  }

  /** Encodes the one header written through it, then removes itself and the encoder. */
  private static final class OneShotHandler extends ChannelOutboundHandlerAdapter {

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.pipeline().addBefore(ctx.name(), null, HAProxyMessageEncoder.INSTANCE);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      ctx.write(msg, promise);
      if (msg instanceof HAProxyMessage) {
        ctx.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
        ctx.pipeline().remove(this);
      }
    }
  }
}
