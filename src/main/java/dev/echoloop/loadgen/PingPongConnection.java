package dev.echoloop.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One persistent rr connection: sends its request, waits for the whole reply, sends the next,
 * until the measurement window closes. Everything but construction runs on its event loop.
 */
final class PingPongConnection {

  private static final Logger log = LoggerFactory.getLogger(PingPongConnection.class);

  private final int id;
  private final RequestMessage message;
  private final ReplyMatcher matcher = new ReplyMatcher();
  private final MeasurementWindow window;
  private final LatencyRecorder latencies;
  private final LongAdder completed;
  private final ErrorTally errors;
  private final Promise<Void> finished = Promise.promise();
  private NetSocket socket;
  private long sentAtNanos;
  private boolean awaitingReply;
  private String lastFailure = "";

  PingPongConnection(
      int id, int size, MeasurementWindow window, LatencyRecorder latencies, LongAdder completed, ErrorTally errors) {
    this.id = id;
    this.message = new RequestMessage(id, size);
    this.window = window;
    this.latencies = latencies;
    this.completed = completed;
    this.errors = errors;
  }

  Future<Void> open(NetClient client, SocketAddress server) {
    return client.connect(server).map(connected -> {
      socket = connected;
      socket.handler(this::onData);
      socket.exceptionHandler(this::onFailure);
      socket.closeHandler(v -> onClosed());
      return null;
    });
  }

  /** Starts the ping-pong; the future completes when the connection stopped, having its last reply or being closed. */
  Future<Void> start() {
    send();
    return finished.future();
  }

  /** True until the connection stopped, with its last reply or by being closed. */
  private boolean isRunning() {
    return !finished.future().isComplete();
  }

  private void send() {
    matcher.expect(message.bytes());
    awaitingReply = true;
    sentAtNanos = System.nanoTime();
    socket.write(message.wire());
  }

  private void onData(Buffer chunk) {
    if (!awaitingReply) {
      errors.record("connection " + id + ": bytes arrived with no request outstanding");
      return;
    }
    ReplyMatcher.Verdict verdict = matcher.onChunk(chunk);
    if (verdict == ReplyMatcher.Verdict.INCOMPLETE) {
      return;
    }
    long repliedAtNanos = System.nanoTime();
    awaitingReply = false;
    if (verdict == ReplyMatcher.Verdict.MISMATCHED) {
      errors.record("connection " + id + ": " + matcher.describeMismatch());
    } else if (window.isOpen()) {
      latencies.record(sentAtNanos, repliedAtNanos);
      completed.increment();
    }
    if (window.isClosed()) {
      finished.tryComplete();
    } else {
      message.advance();
      send();
    }
  }

  private void onFailure(Throwable cause) {
    lastFailure = " (" + ErrorTally.describe(cause) + ")";
    log.debug("connection {} failed", id, cause);
  }

  private void onClosed() {
    if (isRunning()) {
      errors.record("connection " + id + " closed by the server" + (awaitingReply ? " before replying" : "") + lastFailure);
      finished.tryComplete();
    }
  }
}
