package dev.echoloop.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One idle connection: opened, left alone, then asked once whether it still answers correctly. */
final class IdleConnection {

  private static final Logger log = LoggerFactory.getLogger(IdleConnection.class);

  private final int id;
  private final RequestMessage message;
  private final ReplyMatcher matcher;
  private final LongAdder opened;
  private final LongAdder asked;
  private final LongAdder answered;
  private final ErrorTally errors;
  private final Promise<Void> settled = Promise.promise();
  private NetSocket socket;
  private boolean waitingForAnswer;
  private String lastFailure = "";

  IdleConnection(int id, LoadOptions options, LongAdder opened, LongAdder asked, LongAdder answered,
      ErrorTally errors) {
    this.id = id;
    this.message = new RequestMessage(id, options.size());
    this.matcher = new ReplyMatcher(options.replyPrefix().separator());
    this.opened = opened;
    this.asked = asked;
    this.answered = answered;
    this.errors = errors;
  }

  /** A failed connect is one of the errors this mode measures, so the future always succeeds. */
  Future<Void> open(LoadEnvironment env) {
    return env.connect()
        .map(connected -> {
          socket = connected;
          socket.handler(this::onData);
          socket.exceptionHandler(this::onFailure);
          socket.closeHandler(v -> onClosed());
          opened.increment();
          return (Void) null;
        })
        .recover(cause -> {
          settle(() -> errors.record("connection " + id + ": cannot connect to " + env.server(), cause));
          return Future.succeededFuture();
        });
  }

  /** Sends the one message and waits at most {@code timeoutSeconds} for its answer; missing it is an error. */
  Future<Void> ask(Vertx vertx, int timeoutSeconds) {
    if (socket == null) {
      // Never attempted: the load counted it as an error when opening stopped.
      return Future.succeededFuture();
    }
    if (settled.future().isComplete()) {
      return settled.future();
    }
    asked.increment();
    matcher.clear();
    waitingForAnswer = true;
    socket.write(message.wire());
    vertx.setTimer(TimeUnit.SECONDS.toMillis(timeoutSeconds),
        timer -> settle(() -> errors.record("connection " + id + ": no answer within " + timeoutSeconds + " s")));
    return settled.future();
  }

  private void onData(Buffer chunk) {
    if (!waitingForAnswer) {
      settle(() -> errors.record("connection " + id + ": bytes arrived while idle"));
      return;
    }
    matcher.append(chunk);
    ReplyMatcher.Verdict verdict = matcher.next(message.bytes());
    if (verdict == ReplyMatcher.Verdict.MATCHED) {
      settle(answered::increment);
    } else if (verdict == ReplyMatcher.Verdict.MISMATCHED) {
      settle(() -> errors.record("connection " + id + ": " + matcher.describeMismatch(message.bytes())));
    }
  }

  private void onFailure(Throwable cause) {
    lastFailure = " (" + ErrorTally.describe(cause) + ")";
    log.debug("connection {} failed", id, cause);
  }

  private void onClosed() {
    settle(() -> errors.record("connection " + id + " closed by the server "
        + (waitingForAnswer ? "before answering" : "while idle") + lastFailure));
  }

  /**
   * Counts the outcome, only the first one, and only then completes: completing runs the load's
   * callbacks at once, and they must see the count.
   */
  private void settle(Runnable countOutcome) {
    if (!settled.future().isComplete()) {
      countOutcome.run();
      settled.complete();
    }
  }
}
