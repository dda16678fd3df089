package dev.echoloop.loadgen;

import io.vertx.core.Future;

/** One workload: it opens its connections, drives them, and ends by itself on timers. */
interface Load {

  /** Runs the workload; fails only when it cannot start, e.g. the server refuses the connections. */
  Future<BenchResult> run();

  /** The live status for the progress line: rate so far and errors. */
  String progress();
}
