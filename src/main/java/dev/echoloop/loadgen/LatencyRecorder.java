package dev.echoloop.loadgen;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** Collects latencies from every event loop without locking, in nanoseconds with three significant digits. */
final class LatencyRecorder {

  private static final long HIGHEST_TRACKABLE_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Recorder recorder = new Recorder(HIGHEST_TRACKABLE_NANOS, 3);

  void record(long startNanos, long endNanos) {
    recorder.recordValue(Math.min(endNanos - startNanos, HIGHEST_TRACKABLE_NANOS));
  }

  /** Everything recorded so far; call once, at the end of the run. */
  Histogram histogram() {
    return recorder.getIntervalHistogram();
  }
}
