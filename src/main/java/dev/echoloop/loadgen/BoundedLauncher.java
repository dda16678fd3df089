package dev.echoloop.loadgen;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * Starts numbered asynchronous tasks (connects) with a bounded number in flight, so that a burst
 * of thousands of connects does not overflow the server's accept backlog. Its bookkeeping runs on
 * one context, so plain fields suffice even when the tasks finish on other event loops.
 */
final class BoundedLauncher {

  private final Context home;
  private final int count;
  private final BooleanSupplier stillLaunching;
  private final IntFunction<Future<?>> task;
  private final Promise<Void> done = Promise.promise();
  private int next;
  private int inFlight;
  private Throwable firstFailure;

  private BoundedLauncher(Context home, int count, BooleanSupplier stillLaunching, IntFunction<Future<?>> task) {
    this.home = home;
    this.count = count;
    this.stillLaunching = stillLaunching;
    this.task = task;
  }

  /**
   * Runs {@code task(0..count-1)}, at most {@code limit} at once, until all ran or {@code stillLaunching}
   * turns false. The future completes once every launched task finished, and fails with the first
   * task failure (still only after all of them finished).
   */
  static Future<Void> launch(
      Context home, int count, int limit, BooleanSupplier stillLaunching, IntFunction<Future<?>> task) {
    BoundedLauncher launcher = new BoundedLauncher(home, count, stillLaunching, task);
    home.runOnContext(v -> {
      for (int i = 0; i < limit; i++) {
        launcher.launchNext();
      }
      launcher.completeIfDone();
    });
    return launcher.done.future();
  }

  private void launchNext() {
    if (next >= count || !stillLaunching.getAsBoolean()) {
      return;
    }
    int index = next++;
    inFlight++;
    task.apply(index).onComplete(result -> home.runOnContext(v -> {
      inFlight--;
      if (result.failed() && firstFailure == null) {
        firstFailure = result.cause();
      }
      launchNext();
      completeIfDone();
    }));
  }

  private void completeIfDone() {
    boolean nothingLeftToLaunch = next >= count || !stillLaunching.getAsBoolean();
    if (nothingLeftToLaunch && inFlight == 0) {
      if (firstFailure == null) {
        done.tryComplete();
      } else {
        done.tryFail(firstFailure);
      }
    }
  }
}
