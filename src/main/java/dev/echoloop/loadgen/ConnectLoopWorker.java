package dev.echoloop.loadgen;

import dev.echoloop.config.ReplyPrefix;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cpr worker, the original Python client's loop: connect, send {@code Hello from clientK\n}, read the whole reply,
 * close, and again, until the measurement window closes.
 *
 * <p>Without {@code --reconnect}, a worker that cannot connect stops: the server is gone or out of resources, and
 * retrying would only spin. With it, the worker retries with a growing pause, and a request the server closed on
 * without answering is sent again on a new connection, counted as retried.
 *
 * <p>Like the rr connections it tells failures apart: a server that closes before replying does so with a reset (as
 * a refusing server does) or an orderly close, a reply not there after {@code --timeout-ms} is a timeout, and its
 * reply, if it comes, is late.
 */
final class ConnectLoopWorker {

  private static final Logger log = LoggerFactory.getLogger(ConnectLoopWorker.class);

  private static final long BACKOFF_MIN_MS = 10;
  private static final long BACKOFF_MAX_MS = 500;

  private final int number;
  private final LoadEnvironment env;
  private final byte[] message;
  private final Buffer wire;
  private final ReplyPrefix replyPrefix;
  private final ReplyMatcher matcher;
  private final MeasurementWindow window;
  private final LatencyRecorder latencies;
  private final LongAdder completed;
  private final ErrorTally errors;
  private final Deliveries deliveries = new Deliveries();
  private final Promise<Void> finished = Promise.promise();
  private long connectStartNanos;
  /** A request was sent and its reply has not come yet. */
  private boolean awaitingReply;
  /** The request in hand was sent before and is being sent again. */
  private boolean retrying;
  private int failures;
  private boolean givenUp;
  /** How the server ends the current connection: an orderly close or a reset. */
  private ServerClose serverClose;
  /** The request in hand has been counted as a timeout, so its reply, if any, is late. */
  private boolean timedOut;
  private long timeoutTimer = -1;

  ConnectLoopWorker(int number, LoadEnvironment env, MeasurementWindow window, LatencyRecorder latencies,
      LongAdder completed, ErrorTally errors) {
    this.number = number;
    this.env = env;
    this.message = ("Hello from client" + number + "\n").getBytes(StandardCharsets.US_ASCII);
    this.wire = Buffer.buffer(message);
    this.replyPrefix = env.options().replyPrefix();
    this.matcher = new ReplyMatcher(replyPrefix.separator());
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

  /** Ends the worker after the grace for late replies; a request still unanswered is lost. */
  Future<Deliveries> giveUp() {
    givenUp = true;
    cancelTimeoutTimer();
    if (awaitingReply || retrying) {
      errors.record("worker " + number + ": no reply within " + Drain.REPLY_GRACE_SECONDS + " s after the run");
      deliveries.lost++;
      awaitingReply = retrying = false;
    }
    finished.tryComplete();
    return Future.succeededFuture(deliveries);
  }

  private void connectNext() {
    if (givenUp || (window.isClosed() && !retrying)) {
      finished.tryComplete();
      return;
    }
    connectStartNanos = System.nanoTime();
    env.connect().onComplete(this::onConnected);
  }

  private void onConnected(AsyncResult<NetSocket> connected) {
    if (givenUp) {
      if (connected.succeeded()) {
        connected.result().close();
      }
      return;
    }
    if (connected.failed()) {
      if (env.options().reconnect()) {
        retryLater();
        return;
      }
      errors.record("worker " + number + ": cannot connect to " + env.server(), connected.cause());
      finished.tryComplete();
      return;
    }
    NetSocket socket = connected.result();
    serverClose = ServerClose.watch(socket);
    matcher.clear();
    socket.handler(chunk -> onData(socket, chunk));
    // A reset is counted when the connection closes; Vert.x would otherwise log each one as an unhandled error.
    socket.exceptionHandler(failure -> log.debug("worker {}: {}", number, failure.toString()));
    socket.closeHandler(v -> onClosed());
    if (retrying) {
      deliveries.retried++;
    } else {
      deliveries.sent++;
    }
    awaitingReply = true;
    timedOut = false;
    socket.write(wire);
    timeoutTimer = env.vertx().setTimer(env.options().timeoutMillis(), fired -> {
      timeoutTimer = -1;
      if (awaitingReply) {
        timedOut = true;
        deliveries.timeouts++;
      }
    });
  }

  private void cancelTimeoutTimer() {
    if (timeoutTimer != -1) {
      env.vertx().cancelTimer(timeoutTimer);
      timeoutTimer = -1;
    }
  }

  private void onData(NetSocket socket, Buffer chunk) {
    matcher.append(chunk);
    ReplyMatcher.Verdict verdict = matcher.next(message);
    if (verdict == ReplyMatcher.Verdict.INCOMPLETE || !awaitingReply) {
      return;
    }
    long repliedAtNanos = System.nanoTime();
    awaitingReply = false;
    retrying = false;
    cancelTimeoutTimer();
    if (verdict == ReplyMatcher.Verdict.MISMATCHED) {
      deliveries.mismatched++;
      errors.record("worker " + number + ": " + matcher.describeMismatch(message));
    } else {
      deliveries.replied++;
      if (timedOut) {
        deliveries.late++;
      }
      failures = 0;
      replyPrefix.nodeIn(matcher.lastPrefix()).ifPresent(node -> deliveries.node(node)[0]++);
      if (window.isOpen()) {
        latencies.record(connectStartNanos, repliedAtNanos);
        completed.increment();
      }
    }
    socket.close();
  }

  /** Both our own close after the reply and the server's close end up here; only the latter leaves a request open. */
  private void onClosed() {
    if (givenUp) {
      return;
    }
    if (awaitingReply) {
      awaitingReply = false;
      cancelTimeoutTimer();
      if (serverClose.orderly()) {
        deliveries.closes++;
      } else {
        deliveries.resets++;
      }
      if (env.options().reconnect()) {
        retrying = true;
        retryLater();
        return;
      }
      deliveries.lost++;
      errors.record("worker " + number + ": connection closed by the server before replying");
    }
    connectNext();
  }

  /** The first retry is immediate; after repeated failures, a pause that doubles up to a maximum. */
  private void retryLater() {
    long delayMs = failures == 0 ? 0 : Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS << Math.min(failures, 10));
    failures++;
    deliveries.reconnects++;
    if (delayMs == 0) {
      connectNext();
    } else {
      env.vertx().setTimer(delayMs, timer -> connectNext());
    }
  }
}
