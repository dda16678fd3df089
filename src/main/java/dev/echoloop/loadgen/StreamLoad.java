package dev.echoloop.loadgen;

import io.vertx.core.Future;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

/** stream: connections writing continuously with backpressure; reports MB/s sent and echoed back. */
final class StreamLoad implements Load {

  /** After the window closes, the echo of everything sent gets this long to arrive. */
  static final int ECHO_GRACE_SECONDS = 5;

  private final LoadEnvironment env;
  private final MeasurementWindow window = new MeasurementWindow();
  private final LongAdder sentInWindow = new LongAdder();
  private final LongAdder receivedInWindow = new LongAdder();
  private final ErrorTally errors = new ErrorTally();
  private final List<StreamConnection> connections;

  StreamLoad(LoadEnvironment env) {
    this.env = env;
    LoadOptions options = env.options();
    this.connections = IntStream.range(0, options.connections())
        .mapToObj(id -> new StreamConnection(id, options.size(), window, sentInWindow, receivedInWindow, errors))
        .toList();
  }

  @Override
  public Future<BenchResult> run() {
    LoadOptions options = env.options();
    return env.openConnections(connections.size(), () -> true, id -> connections.get(id).open(env))
        .compose(opened -> {
          Future<Void> windowClosed = window.schedule(env.vertx(), options.warmupSeconds(), options.durationSeconds());
          IntStream.range(0, connections.size()).forEach(id -> env.loops().run(id, connections.get(id)::start));
          return windowClosed;
        })
        .compose(closed -> Future.all(IntStream.range(0, connections.size())
            .mapToObj(id -> env.loops().run(id, () -> connections.get(id).finish(env.vertx(), ECHO_GRACE_SECONDS)))
            .toList()))
        .map(finished -> BenchResult.ofStream(
            options, sentInWindow.sum(), receivedInWindow.sum(), window, errors));
  }

  @Override
  public String progress() {
    double seconds = window.elapsedSeconds();
    if (seconds == 0) {
      return String.format(Locale.ROOT, "stream warming up, errors %d", errors.count());
    }
    return String.format(Locale.ROOT, "stream %.0f s: sent %.1f MB/s, received %.1f MB/s, errors %d", seconds,
        sentInWindow.sum() / seconds / BenchResult.BYTES_PER_MB,
        receivedInWindow.sum() / seconds / BenchResult.BYTES_PER_MB, errors.count());
  }
}
