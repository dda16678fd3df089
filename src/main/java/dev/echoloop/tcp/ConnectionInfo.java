package dev.echoloop.tcp;

import io.netty.handler.ssl.SslHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The server-speaks-first info line ({@code greeting: info}): what the server knows about a connection once it is
 * established, after the PROXY header and the TLS handshake, as one JSON object.
 *
 * <p>{@code proxy} is the PROXY protocol header as {@link ProxyHeaderWatch} kept it ({@link ReceivedProxyHeader}):
 * version, command, protocol and addresses; a LOCAL or UNKNOWN header, whose addresses do not count, has null ones.
 * It is null when the server does not read PROXY headers, and also for the rare connection accepted in the instant
 * between the bind and the watch's installation, whose header only Vert.x saw.
 */
final class ConnectionInfo {

  private ConnectionInfo() {
  }

  static JsonObject of(NetSocket socket, String node, String thread, Instant connectedAt) {
    SocketAddress client = socket.remoteAddress();
    SocketAddress peer = socket.remoteAddress(true);
    return new JsonObject()
      .put("node", node)
      .put("thread", thread)
      .put("client", text(client))
      .put("peer", text(peer))
      .put("local", text(socket.localAddress()))
      .put("proxy", proxy(socket))
      .put("tls", socket.isSsl() ? tls(socket) : null)
      .put("connectedAt", connectedAt.toString());
  }

  private static JsonObject proxy(NetSocket socket) {
    ReceivedProxyHeader header = ReceivedProxyHeader.of(((NetSocketInternal) socket).channelHandlerContext().channel());
    return header == null ? null : header.toJson();
  }

  private static JsonObject tls(NetSocket socket) {
    SSLSession session = socket.sslSession();
    return new JsonObject()
      .put("version", session.getProtocol())
      .put("cipherSuite", session.getCipherSuite())
      .put("sni", socket.indicatedServerName())
      .put("alpn", alpn(socket))
      .put("clientCertificate", clientSubject(socket));
  }

  /**
   * The protocol agreed by ALPN (RFC 7301), or null when the client offered none or the server offers none
   * ({@code tls.alpnProtocols}). Read from Netty's TLS handler: Vert.x 5.0.7's {@code NetSocket.applicationLayerProtocol()}
   * is null on every server-side socket, as its server never passes the negotiated protocol to the socket.
   */
  private static String alpn(NetSocket socket) {
    SslHandler tls = ((NetSocketInternal) socket).channelHandlerContext().pipeline().get(SslHandler.class);
    return tls == null ? null : tls.applicationProtocol();
  }

  /** The client certificate's subject under mutual TLS, or null when the client presented none. */
  private static String clientSubject(NetSocket socket) {
    try {
      List<Certificate> chain = socket.peerCertificates();
      return chain.isEmpty() || !(chain.get(0) instanceof X509Certificate first)
        ? null
        : first.getSubjectX500Principal().getName();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  private static String text(SocketAddress address) {
    return address == null ? null : address.toString();
  }
}
