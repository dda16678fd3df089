package dev.echoloop.loadgen;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/** The end of a run: connections finish what is in flight, but only for a bounded time, in case the server hangs. */
final class Drain {

  /** After the window closes, outstanding requests get this long to be answered before they count as lost. */
  static final int REPLY_GRACE_SECONDS = 2;

  private Drain() {
  }

  /** Completes when every future has, or after the timeout, with how many still had not. */
  static Future<Long> await(List<? extends Future<?>> stopped, int timeoutSeconds) {
    return Future.all(stopped)
        .timeout(timeoutSeconds, TimeUnit.SECONDS)
        .transform(any -> Future.succeededFuture(stopped.stream().filter(future -> !future.isComplete()).count()));
  }

  /** The run ends when the window closes, or earlier if every connection already stopped (e.g. the server is gone). */
  static Future<?> endOfRun(Future<Void> windowClosed, List<? extends Future<?>> stopped) {
    return Future.any(windowClosed, Future.all(stopped));
  }

  /** Ends every connection (or worker) on its own event loop and sums what became of their requests. */
  static Future<Deliveries> collect(EventLoops loops, int count, IntFunction<Future<Deliveries>> giveUp) {
    List<Future<Deliveries>> each = IntStream.range(0, count)
        .mapToObj(id -> loops.run(id, () -> giveUp.apply(id)))
        .toList();
    return Future.all(each).map(all -> {
      Deliveries total = new Deliveries();
      each.forEach(one -> total.add(one.result()));
      return total;
    });
  }
}
