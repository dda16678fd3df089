package dev.echoloop.loadgen;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Optional;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one run, rendered as the summary line and as the JSON object the bench scripts read.
 *
 * @param rate requests/s for rr, connections/s for cpr, MB/s received for stream, answered for idle
 */
record BenchResult(
    LoadOptions options,
    long requests,
    double rate,
    long errors,
    LatencySummary latency,
    double mbSentPerSec,
    double mbReceivedPerSec,
    long opened,
    long answered,
    Optional<String> firstError) {

  static final double BYTES_PER_MB = 1_000_000.0;

  /** rr and cpr: completed requests (or connections) in the window and their latencies. */
  static BenchResult ofRequests(LoadOptions options, long requests, double seconds, ErrorTally errors, Histogram nanos) {
    return new BenchResult(options, requests, perSecond(requests, seconds), errors.count(),
        LatencySummary.of(nanos), 0, 0, 0, 0, errors.first());
  }

  static BenchResult ofStream(LoadOptions options, long sentBytes, long receivedBytes, double seconds, ErrorTally errors) {
    double received = perSecond(receivedBytes, seconds) / BYTES_PER_MB;
    return new BenchResult(options, 0, received, errors.count(), LatencySummary.NONE,
        perSecond(sentBytes, seconds) / BYTES_PER_MB, received, 0, 0, errors.first());
  }

  static BenchResult ofIdle(LoadOptions options, long opened, long asked, long answered, ErrorTally errors) {
    return new BenchResult(options, asked, answered, errors.count(), LatencySummary.NONE,
        0, 0, opened, answered, errors.first());
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("mode", options.mode().cliName())
        .put("label", options.label())
        .put("connections", options.connections())
        .put("size", options.size())
        .put("durationSeconds", options.durationSeconds())
        .put("requests", requests)
        .put("rate", round(rate))
        .put("errors", errors)
        .put("p50us", latency.p50us())
        .put("p99us", latency.p99us())
        .put("p999us", latency.p999us())
        .put("maxus", latency.maxus())
        .put("mbSentPerSec", round(mbSentPerSec))
        .put("mbReceivedPerSec", round(mbReceivedPerSec))
        .put("opened", opened)
        .put("answered", answered);
  }

  String summary() {
    String head = options.mode().cliName() + (options.label().isEmpty() ? "" : " [" + options.label() + "]");
    return switch (options.mode()) {
      case RR -> format("%s: %d connections, %d-byte requests, %d s: %d requests, %.1f req/s, %s, errors %d",
          head, options.connections(), options.size(), options.durationSeconds(), requests, rate, latencies(), errors);
      case CPR -> format("%s: %d workers, %d s: %d connections, %.1f conn/s, %s, errors %d",
          head, options.connections(), options.durationSeconds(), requests, rate, latencies(), errors);
      case STREAM -> format("%s: %d connections, %d-byte writes, %d s: sent %.1f MB/s, received %.1f MB/s, errors %d",
          head, options.connections(), options.size(), options.durationSeconds(), mbSentPerSec, mbReceivedPerSec, errors);
      case IDLE -> format("%s: %d connections held %d s: opened %d, answered %d, errors %d",
          head, options.connections(), options.durationSeconds(), opened, answered, errors);
    };
  }

  private String latencies() {
    return format("latency us p50 %.1f p99 %.1f p99.9 %.1f max %.1f",
        latency.p50us(), latency.p99us(), latency.p999us(), latency.maxus());
  }

  private static double perSecond(long count, double seconds) {
    return seconds > 0 ? count / seconds : 0;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }

  private static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }
}
