package dev.echoloop.loadgen;

import org.HdrHistogram.Histogram;

/** The percentiles the bench reports, in microseconds. */
record LatencySummary(double p50us, double p99us, double p999us, double maxus) {

  static final LatencySummary NONE = new LatencySummary(0, 0, 0, 0);

  static LatencySummary of(Histogram nanos) {
    if (nanos.getTotalCount() == 0) {
      return NONE;
    }
    return new LatencySummary(
        micros(nanos.getValueAtPercentile(50)),
        micros(nanos.getValueAtPercentile(99)),
        micros(nanos.getValueAtPercentile(99.9)),
        micros(nanos.getMaxValue()));
  }

  private static double micros(long nanos) {
    return Math.round(nanos / 100.0) / 10.0;
  }
}
