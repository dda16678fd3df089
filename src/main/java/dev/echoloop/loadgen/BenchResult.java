package dev.echoloop.loadgen;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one run, rendered as the summary line and as the JSON object the bench scripts read.
 *
 * @param rate       requests/s for rr, connections/s for cpr, MB/s received for stream, answered for idle, replies/s
 *                   for udp
 * @param cpuShare   the load generator's own CPU time over the measured window divided by its wall time (1.0 is one
 *     core busy throughout); empty for idle, which has no window, or when the JVM cannot tell its CPU time
 * @param deliveries rr and cpr: what became of every request of the run, warm-up included; empty otherwise
 * @param outcomes   udp: sent datagrams, timeouts and late replies in the window; empty otherwise
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
    Optional<String> firstError,
    OptionalDouble cpuShare,
    Optional<Deliveries> deliveries,
    Optional<Outcomes> outcomes) {

  static final double BYTES_PER_MB = 1_000_000.0;
  /**
   * Above this share of the cores its event loops can use, the load generator was the limit of the run: the rate
   * it measured is a floor for the server's, not the server's own (the same rule as make bench's C load generator).
   */
  static final double LOAD_BOUND_SHARE = 0.9;

  /** rr and cpr: completed requests (or connections) in the window and their latencies. */
  static BenchResult ofRequests(LoadOptions options, long requests, MeasurementWindow window, ErrorTally errors,
      Histogram nanos, Deliveries deliveries) {
    return new BenchResult(options, requests, perSecond(requests, window.elapsedSeconds()), errors.count(),
        LatencySummary.of(nanos), 0, 0, 0, 0, errors.first(), window.cpuShare(), Optional.of(deliveries), Optional.empty());
  }

  /** udp: replies in the window, their latencies, and what happened to the other datagrams. */
  static BenchResult ofDatagrams(LoadOptions options, long replies, MeasurementWindow window, ErrorTally errors,
      Histogram nanos, Outcomes outcomes) {
    return new BenchResult(options, replies, perSecond(replies, window.elapsedSeconds()), errors.count(),
        LatencySummary.of(nanos), 0, 0, 0, 0, errors.first(), window.cpuShare(), Optional.empty(), Optional.of(outcomes));
  }

  static BenchResult ofStream(
      LoadOptions options, long sentBytes, long receivedBytes, MeasurementWindow window, ErrorTally errors) {
    double seconds = window.elapsedSeconds();
    double received = perSecond(receivedBytes, seconds) / BYTES_PER_MB;
    return new BenchResult(options, 0, received, errors.count(), LatencySummary.NONE,
        perSecond(sentBytes, seconds) / BYTES_PER_MB, received, 0, 0, errors.first(), window.cpuShare(),
        Optional.empty(), Optional.empty());
  }

  static BenchResult ofIdle(LoadOptions options, long opened, long asked, long answered, ErrorTally errors) {
    return new BenchResult(options, asked, answered, errors.count(), LatencySummary.NONE,
        0, 0, opened, answered, errors.first(), OptionalDouble.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * Cores the load generator could use: its event loops, at most the processors this JVM may run on (one under
   * {@code taskset -c 1}).
   */
  double usableCores() {
    return Math.min(options.eventLoops(), Runtime.getRuntime().availableProcessors());
  }

  /** True when the load generator used more than {@link #LOAD_BOUND_SHARE} of {@link #usableCores()}. */
  boolean loadBound() {
    return cpuShare.isPresent() && cpuShare.getAsDouble() > LOAD_BOUND_SHARE * usableCores();
  }

  /** The line that says the run measured the load generator, not the server; empty when it did not. */
  Optional<String> loadBoundWarning() {
    if (!loadBound()) {
      return Optional.empty();
    }
    return Optional.of(format("LOAD-BOUND: the load generator used %.0f%% of a core with %.0f core(s) usable, so it "
        + "was the limit of this run and the server may be faster than measured; give it more event loops on more "
        + "cores (--event-loops), or use make bench's C load generator (bench/loadgen)",
        cpuShare.getAsDouble() * 100, usableCores()));
  }
  JsonObject toJson() {
    JsonObject json = new JsonObject()
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
        .put("answered", answered)
        .put("loadgenCpu", cpuShare.isPresent() ? round(cpuShare.getAsDouble() * 1000) / 1000 : null)
        .put("loadBound", loadBound());
    deliveries.ifPresent(counted -> json.mergeIn(counted.toJson()));
    outcomes.ifPresent(counted -> json.put("sent", counted.sent()).put("timeouts", counted.timeouts())
        .put("late", counted.late()));
    return json;
  }

  String summary() {
    return headline() + deliveries.map(counted -> "; " + counted.summary()).orElse("");
  }

  private String headline() {
    String head = options.mode().cliName() + (options.label().isEmpty() ? "" : " [" + options.label() + "]");
    return switch (options.mode()) {
      case RR -> format("%s: %d connections, %d-byte requests, %d s: %d requests, %.1f req/s, %s, %s, errors %d",
          head, options.connections(), options.size(), options.durationSeconds(), requests, rate, latencies(), cpu(),
          errors);
      case CPR -> format("%s: %d workers, %d s: %d connections, %.1f conn/s, %s, %s, errors %d",
          head, options.connections(), options.durationSeconds(), requests, rate, latencies(), cpu(), errors);
      case STREAM -> format(
          "%s: %d connections, %d-byte writes, %d s: sent %.1f MB/s, received %.1f MB/s, %s, errors %d",
          head, options.connections(), options.size(), options.durationSeconds(), mbSentPerSec, mbReceivedPerSec, cpu(),
          errors);
      case IDLE -> format("%s: %d connections held %d s: opened %d, answered %d, errors %d",
          head, options.connections(), options.durationSeconds(), opened, answered, errors);
      case UDP -> format("%s: %d sockets, %d-byte datagrams, %d s: sent %d, %d replies, %.1f replies/s, "
              + "timeouts %d, late %d, %s, %s, errors %d", head, options.connections(), options.size(),
          options.durationSeconds(), outcomes.orElseThrow().sent(), requests, rate, outcomes.orElseThrow().timeouts(),
          outcomes.orElseThrow().late(), latencies(), cpu(), errors);
    };
  }

  private String cpu() {
    return cpuShare.isPresent()
        ? format("load generator CPU %.0f%%%s", cpuShare.getAsDouble() * 100, loadBound() ? " (LOAD-BOUND)" : "")
        : "load generator CPU unknown";
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
