package dev.echoloop.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * What every load needs: Vert.x, one shared client, the event loops to spread connections over, and the settings.
 *
 * @param tlsAfterProxyHeader with both TLS and a PROXY header, the client connects in plain TCP and starts TLS with
 *                            these options after the header; null otherwise
 */
record LoadEnvironment(Vertx vertx, NetClient client, ClientSSLOptions tlsAfterProxyHeader, EventLoops loops,
    LoadOptions options) {

  /** Enough to open thousands of connections quickly without overflowing a default accept backlog. */
  static final int CONNECTS_IN_FLIGHT = 200;

  SocketAddress server() {
    return SocketAddress.inetSocketAddress(options.port(), options.host());
  }

  /** Opens one connection, ready for requests: PROXY header sent and TLS handshake done when asked for. */
  Future<NetSocket> connect() {
    Future<NetSocket> connected = client.connect(server());
    if (options.proxyHeader().isEmpty()) {
      return connected;
    }
    return connected.compose(socket -> ProxyHeader.sendOwnAddresses(socket, options.proxyHeader().get())
        .compose(sent -> tlsAfterProxyHeader == null ? Future.succeededFuture() : socket.upgradeToSsl(tlsAfterProxyHeader))
        .map(ready -> socket)
        .onFailure(failed -> socket.close()));
  }

  /**
   * Opens connections {@code 0..count-1}, each on its event loop, a bounded number at a time, while
   * {@code stillOpening} holds; fails with the first failure once all attempts finished.
   */
  Future<Void> openConnections(int count, BooleanSupplier stillOpening, IntFunction<Future<?>> open) {
    return BoundedLauncher.launch(vertx.getOrCreateContext(), count, CONNECTS_IN_FLIGHT, stillOpening,
        id -> loops.run(id, () -> open.apply(id)));
  }
}
