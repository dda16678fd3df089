package dev.echoloop.loadgen;

import io.vertx.core.Future;
import java.util.List;
import java.util.stream.IntStream;

/**
 * udp: sockets doing datagram ping-pong with a timeout; reports replies/s, latency percentiles, and the datagrams
 * that got no reply (timeouts) or a late one, apart from errors.
 */
final class UdpLoad implements Load {

  private final LoadEnvironment env;
  private final MeasurementWindow window = new MeasurementWindow();
  private final LatencyRecorder latencies = new LatencyRecorder();
  private final UdpPinger.Counters counters = new UdpPinger.Counters();
  private final ErrorTally errors = new ErrorTally();
  private final List<UdpPinger> pingers;

  UdpLoad(LoadEnvironment env) {
    this.env = env;
    LoadOptions options = env.options();
    this.pingers = IntStream.range(0, options.connections())
        .mapToObj(id -> new UdpPinger(id, options.size(), options.timeoutMillis(), window, latencies, counters, errors))
        .toList();
  }

  @Override
  public Future<BenchResult> run() {
    LoadOptions options = env.options();
    // Each pinger stops at its first reply or timeout after the window, so the wait is bounded by the timeout.
    int graceSeconds = Drain.REPLY_GRACE_SECONDS + (options.timeoutMillis() + 999) / 1000;
    return env.openConnections(pingers.size(), () -> true,
            id -> pingers.get(id).open(env.vertx(), options.host(), options.port()))
        .compose(opened -> {
          Future<Void> windowClosed = window.schedule(env.vertx(), options.warmupSeconds(), options.durationSeconds());
          List<Future<Void>> stopped = IntStream.range(0, pingers.size())
              .mapToObj(id -> env.loops().run(id, pingers.get(id)::start))
              .toList();
          return Drain.endOfRun(windowClosed, stopped).compose(ended -> Drain.await(stopped, graceSeconds));
        })
        .compose(unfinished -> Future.join(IntStream.range(0, pingers.size())
                .mapToObj(id -> env.loops().run(id, pingers.get(id)::close))
                .toList())
            .transform(closed -> Future.succeededFuture(unfinished)))
        .map(unfinished -> {
          if (unfinished > 0) {
            errors.record(unfinished, unfinished + " sockets neither got a reply nor timed out after the run");
          }
          Outcomes outcomes = new Outcomes(counters.sent().sum(), counters.timeouts().sum(), counters.late().sum());
          return BenchResult.ofDatagrams(options, counters.replies().sum(), window, errors,
              latencies.histogram(), outcomes);
        });
  }

  @Override
  public String progress() {
    return window.rateProgress("udp", "replies/s", counters.replies().sum(), errors.count());
  }
}
