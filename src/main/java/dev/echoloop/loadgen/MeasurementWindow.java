package dev.echoloop.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The counted part of a run: it opens after the warm-up and closes after the duration, and notes the
 * load generator's own CPU time at both ends. Every event loop reads it to decide whether a result
 * counts, so the state is volatile.
 */
final class MeasurementWindow {

  private final LongSupplier cpuNanos;
  private volatile boolean open;
  private volatile boolean closed;
  private volatile long openedAtNanos;
  private volatile long closedAtNanos;
  private volatile long cpuAtOpenNanos;
  private volatile long cpuAtCloseNanos;

  MeasurementWindow() {
    this(ProcessCpu::nanos);
  }

  /** @param cpuNanos the process's CPU time in ns, or -1 when unknown */
  MeasurementWindow(LongSupplier cpuNanos) {
    this.cpuNanos = cpuNanos;
  }

  /** Schedules the window on timers; the future completes when it closes. */
  Future<Void> schedule(Vertx vertx, int warmupSeconds, int durationSeconds) {
    Promise<Void> closing = Promise.promise();
    afterSeconds(vertx, warmupSeconds, () -> {
      cpuAtOpenNanos = cpuNanos.getAsLong();
      openedAtNanos = System.nanoTime();
      open = true;
      vertx.setTimer(TimeUnit.SECONDS.toMillis(durationSeconds), timer -> {
        closedAtNanos = System.nanoTime();
        cpuAtCloseNanos = cpuNanos.getAsLong();
        closed = true;
        open = false;
        closing.complete();
      });
    });
    return closing.future();
  }

  boolean isOpen() {
    return open;
  }

  boolean isClosed() {
    return closed;
  }

  /** Seconds measured so far, or in total once closed; 0 during the warm-up. */
  double elapsedSeconds() {
    if (closed) {
      return (closedAtNanos - openedAtNanos) / 1e9;
    }
    return open ? (System.nanoTime() - openedAtNanos) / 1e9 : 0;
  }

  /**
   * The load generator's CPU time over the closed window divided by the window's wall time: 1.0 is one
   * core busy throughout. Empty before the window closed or when the JVM cannot tell its CPU time.
   */
  OptionalDouble cpuShare() {
    long wall = closedAtNanos - openedAtNanos;
    if (!closed || wall <= 0 || cpuAtOpenNanos < 0 || cpuAtCloseNanos < 0) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of((double) (cpuAtCloseNanos - cpuAtOpenNanos) / wall);
  }

  /** Vert.x refuses timers shorter than 1 ms, and a zero warm-up means "start now". */
  private static void afterSeconds(Vertx vertx, int seconds, Runnable action) {
    if (seconds == 0) {
      action.run();
    } else {
      vertx.setTimer(TimeUnit.SECONDS.toMillis(seconds), timer -> action.run());
    }
  }

  /** The progress line of a rate workload: "rr 4 s: 81234 req/s, errors 0", or that it is still warming up. */
  String rateProgress(String mode, String unit, long count, long errors) {
    double seconds = elapsedSeconds();
    if (seconds == 0) {
      return String.format(Locale.ROOT, "%s warming up, errors %d", mode, errors);
    }
    return String.format(Locale.ROOT, "%s %.0f s: %.0f %s, errors %d", mode, seconds, count / seconds, unit, errors);
  }
}
