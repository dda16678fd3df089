package dev.echoloop.loadgen;

import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** Redraws one status line on stderr every second, only when a person is watching a terminal. */
final class ProgressLine {

  private static final long PERIOD_MS = 1000;

  private final Vertx vertx;
  private final PrintStream out;
  private final AtomicBoolean drawing = new AtomicBoolean();
  private final long timerId;

  private ProgressLine(Vertx vertx, PrintStream out, Supplier<String> status) {
    this.vertx = vertx;
    this.out = out;
    this.timerId = vertx.setPeriodic(PERIOD_MS, id -> redraw("\r" + status.get() + "\u001b[K"));
  }

  /**
   * A terminal paused with Ctrl-S blocks the write, so it is made on a worker thread, never on the event loop that the
   * load runs on; while one write waits, later redraws are skipped rather than queued.
   */
  private void redraw(String line) {
    if (drawing.compareAndSet(false, true)) {
      vertx.executeBlocking(() -> {
        out.print(line);
        return null;
      }).onComplete(done -> drawing.set(false));
    }
  }

  /** Starts the line when a terminal is attached; otherwise (scripts, CI) prints nothing at all. */
  static Optional<ProgressLine> startIfInteractive(Vertx vertx, Supplier<String> status) {
    return System.console() == null ? Optional.empty() : Optional.of(new ProgressLine(vertx, System.err, status));
  }

  /** Stops redrawing and leaves the cursor on a fresh line for the summary. */
  void stop() {
    vertx.cancelTimer(timerId);
    out.println();
  }
}
