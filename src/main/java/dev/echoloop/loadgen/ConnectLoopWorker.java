package dev.echoloop.loadgen;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;

/**
 * One cpr worker, the original Python client's loop: connect, send {@code Hello from clientK\n},
 * read the whole reply, close, and again, until the measurement window closes. A worker that cannot
 * connect stops: the server is gone or out of resources, and retrying would only spin.
 */
final class ConnectLoopWorker {

  private final int number;
  private final NetClient client;
  private final SocketAddress server;
  private final byte[] message;
  private final Buffer wire;
  private final ReplyMatcher matcher = new ReplyMatcher();
  private final MeasurementWindow window;
  private final LatencyRecorder latencies;
  private final LongAdder completed;
  private final ErrorTally errors;
  private final Promise<Void> finished = Promise.promise();
  private long connectStartNanos;
  private boolean replied;

  ConnectLoopWorker(int number, NetClient client, SocketAddress server, MeasurementWindow window,
      LatencyRecorder latencies, LongAdder completed, ErrorTally errors) {
    this.number = number;
    this.client = client;
    this.server = server;
    this.message = ("Hello from client" + number + "\n").getBytes(StandardCharsets.US_ASCII);
    this.wire = Buffer.buffer(message);
    this.window = window;
    this.latencies = latencies;
    this.completed = completed;
    this.errors = errors;
  }

  /** Runs the loop on the caller's event loop; the future completes when the worker stopped. */
  Future<Void> start() {
    connectNext();
    return finished.future();
  }

  private void connectNext() {
    if (window.isClosed()) {
      finished.tryComplete();
      return;
    }
    connectStartNanos = System.nanoTime();
    client.connect(server).onComplete(this::onConnected);
  }

  private void onConnected(AsyncResult<NetSocket> connected) {
    if (connected.failed()) {
      errors.record("worker " + number + ": cannot connect to " + server, connected.cause());
      finished.tryComplete();
      return;
    }
    NetSocket socket = connected.result();
    matcher.expect(message);
    replied = false;
    socket.handler(chunk -> onData(socket, chunk));
    socket.closeHandler(v -> onClosed());
    socket.write(wire);
  }

  private void onData(NetSocket socket, Buffer chunk) {
    ReplyMatcher.Verdict verdict = matcher.onChunk(chunk);
    if (verdict == ReplyMatcher.Verdict.INCOMPLETE) {
      return;
    }
    long repliedAtNanos = System.nanoTime();
    replied = true;
    if (verdict == ReplyMatcher.Verdict.MISMATCHED) {
      errors.record("worker " + number + ": " + matcher.describeMismatch());
    } else if (window.isOpen()) {
      latencies.record(connectStartNanos, repliedAtNanos);
      completed.increment();
    }
    socket.close();
  }

  /** Both our own close after the reply and the server's close end up here; only the latter is an error. */
  private void onClosed() {
    if (!replied) {
      errors.record("worker " + number + ": connection closed by the server before replying");
    }
    connectNext();
  }
}
