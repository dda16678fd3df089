package dev.echoloop.loadgen;

import dev.echoloop.config.ReplyPrefix;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One persistent rr connection: keeps {@code --pipeline} requests in flight (one, ping-pong, by default), checks each
 * reply in order, and sends the next, until the measurement window closes. Everything but construction runs on its
 * event loop.
 *
 * <p>With {@code --reconnect}, a connection the server closes is opened again and the requests it had not answered
 * are sent again, counted as retried: the server owes a reply only for a request it read before it closed. Repeated
 * failures back off, and reconnecting ends with the run.
 *
 * <p>Against a server that misbehaves on purpose it tells the failures apart: a close by the server is a reset or an
 * orderly close, a request unanswered after {@code --timeout-ms} is a timeout (it stays in flight: TCP replies come in
 * order), and its reply, if it comes, is late.
 */
final class PingPongConnection {

  private static final Logger log = LoggerFactory.getLogger(PingPongConnection.class);

  /** The first retry after a failed reconnect waits this long; each further one twice as long, up to the maximum. */
  private static final long BACKOFF_MIN_MS = 10;
  private static final long BACKOFF_MAX_MS = 500;

  private final int id;
  private final LoadEnvironment env;
  private final RequestMessage message;
  private final ReplyPrefix replyPrefix;
  private final ReplyMatcher matcher;
  private final MeasurementWindow window;
  private final LatencyRecorder latencies;
  private final LongAdder completed;
  private final ErrorTally errors;
  private final Deliveries deliveries = new Deliveries();
  private final Promise<Void> finished = Promise.promise();
  /**
   * The requests in flight, oldest at {@code head}: each slot keeps its own copy, since a request may have to be sent
   * again, and is reused only once answered, when its earlier write is surely complete.
   */
  private final byte[][] slotBytes;
  private final Buffer[] slotWires;
  private final long[] sentAtNanos;
  /** Whether the request in a slot has been counted as a timeout, so its reply, if any, is late. */
  private final boolean[] timedOut;
  private final long timeoutNanos;
  private long timeoutTimer = -1;
  /** How the server ends the current connection: an orderly close or a reset. */
  private ServerClose serverClose;
  private int head;
  private int inFlight;
  private NetSocket socket;
  private long[] nodeReplies;
  private int failedReconnects;
  private boolean givenUp;
  private String lastFailure = "";

  PingPongConnection(int id, LoadEnvironment env, MeasurementWindow window, LatencyRecorder latencies,
      LongAdder completed, ErrorTally errors) {
    LoadOptions options = env.options();
    this.id = id;
    this.env = env;
    this.message = new RequestMessage(id, options.size());
    this.replyPrefix = options.replyPrefix();
    this.matcher = new ReplyMatcher(replyPrefix.separator());
    this.window = window;
    this.latencies = latencies;
    this.completed = completed;
    this.errors = errors;
    int depth = options.pipeline();
    slotBytes = new byte[depth][options.size()];
    slotWires = new Buffer[depth];
    for (int slot = 0; slot < depth; slot++) {
      slotWires[slot] = Buffer.buffer(options.size()).appendBytes(slotBytes[slot]);
    }
    sentAtNanos = new long[depth];
    timedOut = new boolean[depth];
    timeoutNanos = TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis());
  }

  Future<Void> open() {
    return env.connect().map(connected -> {
      attach(connected);
      return null;
    });
  }

  /** Starts sending; the future completes when the connection stopped, having its last reply or being closed. */
  Future<Void> start() {
    fill();
    return finished.future();
  }

  /**
   * Ends the connection's part in the run, after the grace for late replies: what is still unanswered is lost.
   * Returns this connection's deliveries.
   */
  Future<Deliveries> giveUp() {
    givenUp = true;
    cancelTimeoutTimer();
    if (inFlight > 0) {
      errors.record(inFlight, "connection " + id + ": " + inFlight + " request(s) got no reply within "
          + Drain.REPLY_GRACE_SECONDS + " s after the run");
      deliveries.lost += inFlight;
      inFlight = 0;
    }
    finished.tryComplete();
    return Future.succeededFuture(deliveries);
  }

  private void attach(NetSocket connected) {
    socket = connected;
    nodeReplies = null;
    serverClose = ServerClose.watch(connected);
    connected.handler(this::onData);
    connected.exceptionHandler(this::onFailure);
    connected.closeHandler(v -> onClosed(connected));
  }

  /** Sends new requests until the pipeline is full, or finishes once the window closed and all are answered. */
  private void fill() {
    while (inFlight < slotBytes.length && !window.isClosed()) {
      int slot = (head + inFlight) % slotBytes.length;
      System.arraycopy(message.bytes(), 0, slotBytes[slot], 0, slotBytes[slot].length);
      slotWires[slot].setBytes(0, slotBytes[slot]);
      sentAtNanos[slot] = System.nanoTime();
      timedOut[slot] = false;
      inFlight++;
      deliveries.sent++;
      message.advance();
      socket.write(slotWires[slot]);
    }
    if (window.isClosed() && inFlight == 0) {
      cancelTimeoutTimer();
      finished.tryComplete();
    } else {
      armTimeoutTimer();
    }
  }

  /** One timer per connection, for the oldest request not yet counted as a timeout. */
  private void armTimeoutTimer() {
    if (timeoutTimer != -1 || givenUp) {
      return;
    }
    for (int i = 0; i < inFlight; i++) {
      int slot = (head + i) % slotBytes.length;
      if (!timedOut[slot]) {
        long waitNanos = sentAtNanos[slot] + timeoutNanos - System.nanoTime();
        timeoutTimer = env.vertx().setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos) + 1), fired -> {
          timeoutTimer = -1;
          countTimeouts();
          armTimeoutTimer();
        });
        return;
      }
    }
  }

  private void countTimeouts() {
    long now = System.nanoTime();
    for (int i = 0; i < inFlight; i++) {
      int slot = (head + i) % slotBytes.length;
      if (!timedOut[slot] && now - sentAtNanos[slot] >= timeoutNanos) {
        timedOut[slot] = true;
        deliveries.timeouts++;
      }
    }
  }

  private void cancelTimeoutTimer() {
    if (timeoutTimer != -1) {
      env.vertx().cancelTimer(timeoutTimer);
      timeoutTimer = -1;
    }
  }

  private void onData(Buffer chunk) {
    if (givenUp) {
      return;
    }
    matcher.append(chunk);
    while (true) {
      if (inFlight == 0) {
        if (matcher.hasBytes()) {
          errors.record("connection " + id + ": bytes arrived with no request outstanding");
          matcher.clear();
        }
        break;
      }
      int slot = head;
      ReplyMatcher.Verdict verdict = matcher.next(slotBytes[slot]);
      if (verdict == ReplyMatcher.Verdict.INCOMPLETE) {
        break;
      }
      long repliedAtNanos = System.nanoTime();
      head = (head + 1) % slotBytes.length;
      inFlight--;
      if (verdict == ReplyMatcher.Verdict.MISMATCHED) {
        deliveries.mismatched++;
        errors.record("connection " + id + ": " + matcher.describeMismatch(slotBytes[slot]));
        continue;
      }
      deliveries.replied++;
      if (timedOut[slot]) {
        deliveries.late++;
      }
      failedReconnects = 0;
      countNode();
      if (window.isOpen()) {
        latencies.record(sentAtNanos[slot], repliedAtNanos);
        completed.increment();
      }
    }
    fill();
  }

  /** Behind a balancer a connection stays with one node, so its first reply names the node for all that follow. */
  private void countNode() {
    if (!replyPrefix.hasNode()) {
      return;
    }
    if (nodeReplies == null) {
      nodeReplies = deliveries.node(replyPrefix.nodeIn(matcher.lastPrefix()).orElse("?"));
    }
    nodeReplies[0]++;
  }

  private void onFailure(Throwable cause) {
    lastFailure = " (" + ErrorTally.describe(cause) + ")";
    log.debug("connection {} failed", id, cause);
  }

  private void onClosed(NetSocket closed) {
    if (closed != socket || givenUp || finished.future().isComplete()) {
      return;
    }
    socket = null;
    matcher.clear();
    if (serverClose.orderly()) {
      deliveries.closes++;
    } else {
      deliveries.resets++;
    }
    if (!env.options().reconnect()) {
      errors.record("connection " + id + " closed by the server" + (inFlight > 0 ? " before replying" : "") + lastFailure);
      deliveries.lost += inFlight;
      inFlight = 0;
      finished.tryComplete();
      return;
    }
    reconnect();
  }

  private void reconnect() {
    if (window.isClosed() && inFlight == 0) {
      finished.tryComplete();
      return;
    }
    long delayMs = failedReconnects == 0 ? 0 : Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS << Math.min(failedReconnects, 10));
    // Reset once a reply arrives: a balancer with no node up accepts and closes at once, which must not spin.
    failedReconnects++;
    if (delayMs == 0) {
      connectAgain();
    } else {
      env.vertx().setTimer(delayMs, timer -> connectAgain());
    }
  }

  private void connectAgain() {
    if (givenUp) {
      return;
    }
    deliveries.reconnects++;
    env.connect().onComplete(connected -> {
      if (givenUp) {
        if (connected.succeeded()) {
          connected.result().close();
        }
        return;
      }
      if (connected.failed()) {
        log.debug("connection {}: reconnect failed: {}", id, connected.cause().toString());
        reconnect();
        return;
      }
      attach(connected.result());
      for (int i = 0; i < inFlight; i++) {
        deliveries.retried++;
        socket.write(slotWires[(head + i) % slotBytes.length]);
      }
      fill();
    });
  }
}
