package dev.echoloop.loadgen;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

/** rr: persistent connections doing ping-pong (or pipelining); reports requests/s and latency percentiles. */
final class RequestResponseLoad implements Load {

  private final LoadEnvironment env;
  private final MeasurementWindow window = new MeasurementWindow();
  private final LatencyRecorder latencies = new LatencyRecorder();
  private final LongAdder completed = new LongAdder();
  private final ErrorTally errors = new ErrorTally();
  private final List<PingPongConnection> connections;

  RequestResponseLoad(LoadEnvironment env) {
    this.env = env;
    this.connections = IntStream.range(0, env.options().connections())
        .mapToObj(id -> new PingPongConnection(id, env, window, latencies, completed, errors))
        .toList();
  }

  @Override
  public Future<BenchResult> run() {
    LoadOptions options = env.options();
    return env.openConnections(connections.size(), () -> true, id -> connections.get(id).open())
        .compose(opened -> {
          Future<Void> windowClosed = window.schedule(env.vertx(), options.warmupSeconds(), options.durationSeconds());
          List<Future<Void>> stopped = IntStream.range(0, connections.size())
              .mapToObj(id -> env.loops().run(id, connections.get(id)::start))
              .toList();
          return Drain.endOfRun(windowClosed, stopped)
              .compose(ended -> Drain.await(stopped, Drain.REPLY_GRACE_SECONDS));
        })
        .compose(unanswered -> Drain.collect(env.loops(), connections.size(), id -> connections.get(id).giveUp()))
        .map(deliveries -> BenchResult.ofRequests(
            options, completed.sum(), window, errors, latencies.histogram(), deliveries));
  }

  @Override
  public String progress() {
    return window.rateProgress("rr", "req/s", completed.sum(), errors.count());
  }
}
