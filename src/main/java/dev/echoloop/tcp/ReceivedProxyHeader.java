package dev.echoloop.tcp;

import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

import java.util.Locale;

/**
 * What a connection's PROXY protocol header said, kept on its channel by {@link ProxyHeaderWatch} for the info line:
 * Vert.x 5.0.7 keeps only the header's addresses (as the socket's remote and local address) and drops its version and
 * command.
 *
 * @param version     {@code v1} (the text line) or {@code v2} (the binary header), as the PROXY protocol spec names them
 * @param command     {@code PROXY} (a relayed connection) or {@code LOCAL} (the balancer's own, such as a health check;
 *                    v2 only); a v1 {@code PROXY UNKNOWN} line is a {@code PROXY} with protocol {@code UNKNOWN}
 * @param protocol    {@code TCP4}, {@code TCP6}, {@code UNIX_STREAM} or {@code UNKNOWN} (Netty's names; UDP is refused)
 * @param source      the client's address as the header gives it, or null for {@code LOCAL} and {@code UNKNOWN}
 * @param destination the address the client reached, or null for {@code LOCAL} and {@code UNKNOWN}
 */
record ReceivedProxyHeader(String version, String command, String protocol, String source, String destination) {

  /** Where the watch leaves the header on the connection's channel. */
  static final AttributeKey<ReceivedProxyHeader> ATTRIBUTE = AttributeKey.valueOf("echoloop.proxyHeader");

  /** The header of {@code channel}, or null when none was read on it. */
  static ReceivedProxyHeader of(Channel channel) {
    return channel.attr(ATTRIBUTE).get();
  }

  /** Copies what the info line shows out of Netty's message, which the caller still owns and releases. */
  static ReceivedProxyHeader from(HAProxyMessage message) {
    HAProxyProxiedProtocol protocol = message.proxiedProtocol();
    boolean addressed = protocol != HAProxyProxiedProtocol.UNKNOWN;
    return new ReceivedProxyHeader(
      message.protocolVersion().name().toLowerCase(Locale.ROOT),
      message.command().name(),
      protocol.name(),
      addressed ? address(protocol, message.sourceAddress(), message.sourcePort()) : null,
      addressed ? address(protocol, message.destinationAddress(), message.destinationPort()) : null);
  }

  /** Written like the info line's other addresses ({@code 203.0.113.7:40123}), which come from Vert.x's SocketAddress. */
  private static String address(HAProxyProxiedProtocol protocol, String host, int port) {
    if (host == null) {
      return null;
    }
    return protocol.addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_UNIX
      ? host
      : SocketAddress.inetSocketAddress(port, host).toString();
  }

  JsonObject toJson() {
    return new JsonObject()
      .put("version", version)
      .put("command", command)
      .put("protocol", protocol)
      .put("source", source)
      .put("destination", destination);
  }
}
