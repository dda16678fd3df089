package dev.echoloop.live;

import dev.echoloop.tcp.ServerSnapshot;
import dev.echoloop.tcp.TcpServerDeployment;
import io.vertx.core.Future;

import java.util.HashMap;
import java.util.Map;

/**
 * Takes the server's snapshots for every viewer and {@code /connections} together: a snapshot younger than
 * {@code reuseMillis} is shared instead of taking another, so however many ask, the event loops are asked at most about
 * once per period. Per-second rates of each event loop come from the difference to the previous snapshot.
 *
 * <p>Runs on the admin server's event loop only; it holds no lock.
 */
final class Sampler {

  /** The table's limit: rows beyond it would only slow the page down. */
  static final int MAX_ROWS = 200;

  private final TcpServerDeployment server;
  private final long reuseNanos;
  private Future<Sample> latest;
  private long latestNanos;
  private Map<String, ServerSnapshot.Loop> previousLoops = Map.of();
  private long previousNanos;

  /** @param reuseMillis how long a snapshot is shared, in ms */
  Sampler(TcpServerDeployment server, long reuseMillis) {
    this.server = server;
    this.reuseNanos = reuseMillis * 1_000_000;
  }

  /** The latest snapshot, or a new one when it is older than the reuse period (or failed). */
  Future<Sample> sample() {
    long now = System.nanoTime();
    if (latest != null && !latest.failed() && (!latest.isComplete() || now - latestNanos < reuseNanos)) {
      return latest;
    }
    latestNanos = now;
    latest = server.snapshot(MAX_ROWS).map(snapshot -> withRates(snapshot, now));
    return latest;
  }

  private Sample withRates(ServerSnapshot snapshot, long now) {
    Map<String, Rates> rates = new HashMap<>();
    Map<String, ServerSnapshot.Loop> loops = new HashMap<>();
    double seconds = (now - previousNanos) / 1e9;
    for (ServerSnapshot.Loop loop : snapshot.loops()) {
      loops.put(loop.eventLoop(), loop);
      ServerSnapshot.Loop before = previousLoops.get(loop.eventLoop());
      rates.put(loop.eventLoop(), before == null ? Rates.UNKNOWN : new Rates(
        perSecond(loop.messages() - before.messages(), seconds),
        perSecond(loop.bytesIn() - before.bytesIn(), seconds),
        perSecond(loop.bytesOut() - before.bytesOut(), seconds)));
    }
    previousLoops = loops;
    previousNanos = now;
    return new Sample(snapshot, rates);
  }

  private static double perSecond(long delta, double seconds) {
    return seconds <= 0 ? 0 : Math.max(0, delta) / seconds;
  }

  /** A snapshot with each event loop's rates, by thread name. */
  record Sample(ServerSnapshot snapshot, Map<String, Rates> rates) {
  }

  /** Per second since the previous snapshot; zero for an event loop not seen before. */
  record Rates(double messages, double bytesIn, double bytesOut) {
    static final Rates UNKNOWN = new Rates(0, 0, 0);
  }
}
