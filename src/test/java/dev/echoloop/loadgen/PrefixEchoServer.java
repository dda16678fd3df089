package dev.echoloop.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import java.util.function.UnaryOperator;

/** A tiny in-process server speaking the echoloop protocol: each chunk read is answered with {@code <thread name>: <chunk>}. */
final class PrefixEchoServer {

  private PrefixEchoServer() {
  }

  /** Answers with {@code <thread name>: transform(chunk)}, so a test can make the server misbehave. */
  static Future<NetServer> start(Vertx vertx, UnaryOperator<Buffer> transform) {
    return vertx.createNetServer()
        .connectHandler(socket -> socket.handler(chunk -> socket.write(
            Buffer.buffer(Thread.currentThread().getName() + ": ").appendBuffer(transform.apply(chunk)))))
        .listen(0, "127.0.0.1");
  }
}
