package dev.echoloop.loadgen;

import io.vertx.core.Future;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** idle: opens many connections, holds them, then checks that every one still answers; reports opened/answered. */
final class IdleLoad implements Load {

  private static final Logger log = LoggerFactory.getLogger(IdleLoad.class);

  /** Opening stops after this long; connections not attempted by then count as errors. */
  static final int OPEN_BUDGET_SECONDS = 10;
  static final int ANSWER_TIMEOUT_SECONDS = 5;

  private final LoadEnvironment env;
  private final LongAdder attempted = new LongAdder();
  private final LongAdder opened = new LongAdder();
  private final LongAdder asked = new LongAdder();
  private final LongAdder answered = new LongAdder();
  private final ErrorTally errors = new ErrorTally();
  private final List<IdleConnection> connections;
  private volatile boolean opening = true;
  private volatile long holdStartNanos;

  IdleLoad(LoadEnvironment env) {
    this.env = env;
    LoadOptions options = env.options();
    this.connections = IntStream.range(0, options.connections())
        .mapToObj(id -> new IdleConnection(id, options, opened, asked, answered, errors))
        .toList();
  }

  @Override
  public Future<BenchResult> run() {
    LoadOptions options = env.options();
    env.vertx().setTimer(TimeUnit.SECONDS.toMillis(OPEN_BUDGET_SECONDS), timer -> opening = false);
    return env.openConnections(connections.size(), () -> opening, id -> {
          attempted.increment();
          return connections.get(id).open(env);
        })
        .compose(allAttempted -> {
          opening = false;
          log.debug("opened {} of {} connections", opened.sum(), connections.size());
          holdStartNanos = System.nanoTime();
          long skipped = connections.size() - attempted.sum();
          if (skipped > 0) {
            errors.record(skipped, skipped + " connections not opened within " + OPEN_BUDGET_SECONDS + " s");
          }
          return opened.sum() == 0 ? Future.succeededFuture() : hold(options.durationSeconds());
        })
        .compose(held -> Future.all(IntStream.range(0, connections.size())
            .mapToObj(id -> env.loops().run(id, () -> connections.get(id).ask(env.vertx(), ANSWER_TIMEOUT_SECONDS)))
            .toList()))
        .map(settled -> BenchResult.ofIdle(options, opened.sum(), asked.sum(), answered.sum(), errors));
  }

  private Future<Void> hold(int seconds) {
    return env.vertx().timer(seconds, TimeUnit.SECONDS).mapEmpty();
  }

  @Override
  public String progress() {
    if (opening) {
      return String.format(Locale.ROOT, "idle opening: %d opened, errors %d", opened.sum(), errors.count());
    }
    if (asked.sum() == 0) {
      long held = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - holdStartNanos);
      return String.format(Locale.ROOT, "idle holding %d connections, %d s, errors %d", opened.sum(), held, errors.count());
    }
    return String.format(Locale.ROOT, "idle asking: %d of %d answered, errors %d", answered.sum(), asked.sum(), errors.count());
  }
}
