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

/**
 * One stream connection: writes its pattern as fast as the socket takes it, pausing while the write
 * queue is full, and checks every echoed byte. Everything but construction runs on its event loop.
 */
final class StreamConnection {

  private static final Logger log = LoggerFactory.getLogger(StreamConnection.class);

  private final int id;
  private final int chunkSize;
  private final StreamPattern pattern;
  private final StreamVerifier verifier;
  private final MeasurementWindow window;
  private final LongAdder sentInWindow;
  private final LongAdder receivedInWindow;
  private final ErrorTally errors;
  private final Promise<Void> finished = Promise.promise();
  private NetSocket socket;
  private boolean sending;
  private int patternOffset;
  private long sentBytes;
  private boolean failureReported;
  private String lastFailure = "";

  StreamConnection(int id, int chunkSize, MeasurementWindow window, LongAdder sentInWindow,
      LongAdder receivedInWindow, ErrorTally errors) {
    this.id = id;
    this.chunkSize = chunkSize;
    this.pattern = new StreamPattern(id, chunkSize);
    this.verifier = new StreamVerifier(pattern);
    this.window = window;
    this.sentInWindow = sentInWindow;
    this.receivedInWindow = receivedInWindow;
    this.errors = errors;
  }

  Future<Void> open(LoadEnvironment env) {
    return env.connect().map(connected -> {
      socket = connected;
      socket.handler(this::onData);
      socket.drainHandler(v -> writeWhileWritable());
      socket.exceptionHandler(this::onFailure);
      socket.closeHandler(v -> onClosed());
      return null;
    });
  }

  Future<Void> start() {
    sending = true;
    writeWhileWritable();
    return Future.succeededFuture();
  }

  /**
   * Stops writing and waits, at most {@code timeoutSeconds}, for every byte sent to come back;
   * the future completes when they did or when the wait is over, with any shortfall as an error.
   */
  Future<Void> finish(Vertx vertx, int timeoutSeconds) {
    sending = false;
    completeIfAllBack();
    vertx.setTimer(TimeUnit.SECONDS.toMillis(timeoutSeconds), timer -> {
      if (!finished.future().isComplete()) {
        errors.record("connection " + id + ": only " + verifier.payloadBytes() + " of " + sentBytes
            + " bytes came back within " + timeoutSeconds + " s");
        finished.tryComplete();
      }
    });
    return finished.future();
  }

  private void writeWhileWritable() {
    while (sending && !socket.writeQueueFull()) {
      socket.write(pattern.chunk(patternOffset, chunkSize));
      patternOffset = (patternOffset + chunkSize) % StreamPattern.PERIOD;
      sentBytes += chunkSize;
      if (window.isOpen()) {
        sentInWindow.add(chunkSize);
      }
    }
  }

  private void onData(Buffer chunk) {
    int payload = verifier.onChunk(chunk);
    if (window.isOpen()) {
      receivedInWindow.add(payload);
    }
    if (!failureReported && verifier.failure().isPresent()) {
      failureReported = true;
      errors.record("connection " + id + ": " + verifier.failure().get());
    }
    if (!sending) {
      completeIfAllBack();
    }
  }

  private void completeIfAllBack() {
    if (verifier.payloadBytes() >= sentBytes) {
      finished.tryComplete();
    }
  }

  private void onFailure(Throwable cause) {
    lastFailure = " (" + ErrorTally.describe(cause) + ")";
    log.debug("connection {} failed", id, cause);
  }

  private void onClosed() {
    if (!finished.future().isComplete()) {
      errors.record("connection " + id + " closed by the server after " + verifier.payloadBytes() + " of "
          + sentBytes + " bytes came back" + lastFailure);
      finished.tryComplete();
    }
  }
}
