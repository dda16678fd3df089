package dev.echoloop.loadgen;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

/** cpr: workers that each connect, send one line, read the reply and close, in a loop; reports connections/s. */
final class ConnectPerRequestLoad implements Load {

  private final LoadEnvironment env;
  private final MeasurementWindow window = new MeasurementWindow();
  private final LatencyRecorder latencies = new LatencyRecorder();
  private final LongAdder completed = new LongAdder();
  private final ErrorTally errors = new ErrorTally();
  private final List<ConnectLoopWorker> workers;

  ConnectPerRequestLoad(LoadEnvironment env) {
    this.env = env;
    this.workers = IntStream.rangeClosed(1, env.options().connections())
        .mapToObj(number -> new ConnectLoopWorker(number, env, window, latencies, completed, errors))
        .toList();
  }

  @Override
  public Future<BenchResult> run() {
    LoadOptions options = env.options();
    Future<Void> windowClosed = window.schedule(env.vertx(), options.warmupSeconds(), options.durationSeconds());
    List<Future<Void>> stopped = IntStream.range(0, workers.size())
        .mapToObj(index -> env.loops().run(index, workers.get(index)::start))
        .toList();
    return Drain.endOfRun(windowClosed, stopped)
        .compose(ended -> Drain.await(stopped, Drain.REPLY_GRACE_SECONDS))
        .compose(unanswered -> Drain.collect(env.loops(), workers.size(), index -> workers.get(index).giveUp()))
        .map(deliveries -> BenchResult.ofRequests(
            options, completed.sum(), window, errors, latencies.histogram(), deliveries));
  }

  @Override
  public String progress() {
    return window.rateProgress("cpr", "conn/s", completed.sum(), errors.count());
  }
}
