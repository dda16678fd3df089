package dev.echoloop.tcp;

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
 * <p>{@code proxy} holds the header's addresses. Vert.x 5.0.7 keeps only those from the header (as the socket's remote
 * and local address) and drops the rest, so the header's version (v1 or v2) cannot be shown; a LOCAL or UNKNOWN header,
 * whose addresses do not count, shows as {@code {"source": null, "destination": null}}.
 */
final class ConnectionInfo {

  private ConnectionInfo() {
  }

  /**
   * @param proxyProtocol whether the server reads a PROXY header, so that every connection came with one
   */
  static JsonObject of(NetSocket socket, String node, String thread, boolean proxyProtocol, Instant connectedAt) {
    SocketAddress client = socket.remoteAddress();
    SocketAddress peer = socket.remoteAddress(true);
    return new JsonObject()
      .put("node", node)
      .put("thread", thread)
      .put("client", text(client))
      .put("peer", text(peer))
      .put("local", text(socket.localAddress()))
      .put("proxy", proxyProtocol ? proxy(socket, client, peer) : null)
      .put("tls", socket.isSsl() ? tls(socket) : null)
      .put("connectedAt", connectedAt.toString());
  }

  /**
   * The header's addresses. Vert.x hands them over only as the socket's remote and local address (its channel
   * attributes are read once and cleared), so a header is known to have named addresses when they differ from the
   * socket's own; when they are the same, the header named none (LOCAL, UNKNOWN), or named exactly these.
   */
  private static JsonObject proxy(NetSocket socket, SocketAddress client, SocketAddress peer) {
    SocketAddress reached = socket.localAddress();
    boolean fromHeader = !client.equals(peer) || !reached.equals(socket.localAddress(true));
    return new JsonObject()
      .put("source", fromHeader ? text(client) : null)
      .put("destination", fromHeader ? text(reached) : null);
  }

  private static JsonObject tls(NetSocket socket) {
    SSLSession session = socket.sslSession();
    return new JsonObject()
      .put("version", session.getProtocol())
      .put("cipherSuite", session.getCipherSuite())
      .put("sni", socket.indicatedServerName())
      .put("alpn", socket.applicationLayerProtocol())
      .put("clientCertificate", clientSubject(socket));
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
