package dev.echoloop.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.parsetools.RecordParser;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * A line-framed echo server that behaves like a fleet of two nodes being drained: each connection is served by
 * {@code node-1} or {@code node-2} in turn, replies {@code "<node>/<thread>: <line>"}, and is closed by the server after
 * a set number of replies, whatever else the client had already sent.
 */
final class DrainingNodeServer {

  private DrainingNodeServer() {
  }

  /** @param repliesBeforeClose for the n-th connection (from 1), how many lines it answers before the server closes it */
  static Future<NetServer> start(Vertx vertx, IntUnaryOperator repliesBeforeClose) {
    AtomicInteger connections = new AtomicInteger();
    return vertx.createNetServer()
        .connectHandler(socket -> {
          int number = connections.incrementAndGet();
          int allowed = repliesBeforeClose.applyAsInt(number);
          Buffer prefix = Buffer.buffer("node-" + (number % 2 + 1) + "/" + Thread.currentThread().getName() + ": ");
          int[] replies = {0};
          socket.handler(RecordParser.newDelimited("\n", line -> {
            if (replies[0] >= allowed) {
              socket.close();
              return;
            }
            socket.write(prefix.copy().appendBuffer(line).appendString("\n"));
            if (++replies[0] == allowed) {
              socket.close();
            }
          }));
        })
        .listen(0, "127.0.0.1");
  }
}
