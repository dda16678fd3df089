package dev.echoloop.loadgen;

import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What became of the requests of one connection (or, summed, of a whole run), over the whole run, warm-up included, so
 * that it can be compared with the servers' own reply counters: each request is {@code sent} once, sent again after a
 * server close as {@code retried}, and ends {@code replied}, {@code mismatched} (a wrong reply, an error) or
 * {@code lost} (no reply by the end of the run). Also counted: reconnections, and replies by the node that sent them,
 * when the reply prefix names it; and apart, for runs against a server that misbehaves on purpose, how the server ended
 * connections ({@code resets}, orderly {@code closes}), requests not answered within {@code --timeout-ms}
 * ({@code timeouts}) and replies that came after it ({@code late}, also counted as replied).
 *
 * <p>One instance per connection is touched only by that connection's event loop; the load sums them at the end.
 */
final class Deliveries {

  long sent;
  long retried;
  long replied;
  long mismatched;
  long lost;
  long reconnects;
  long resets;
  long closes;
  long timeouts;
  long late;
  private final Map<String, long[]> repliesByNode = new HashMap<>();

  /** The reply counter of one node; a connection keeps it while it talks to that node. */
  long[] node(String name) {
    return repliesByNode.computeIfAbsent(name, unused -> new long[1]);
  }

  void add(Deliveries other) {
    sent += other.sent;
    retried += other.retried;
    replied += other.replied;
    mismatched += other.mismatched;
    lost += other.lost;
    reconnects += other.reconnects;
    resets += other.resets;
    closes += other.closes;
    timeouts += other.timeouts;
    late += other.late;
    other.repliesByNode.forEach((name, count) -> node(name)[0] += count[0]);
  }

  /** Replies per node, in name order; empty when the reply prefix names no node. */
  Map<String, Long> nodes() {
    Map<String, Long> nodes = new TreeMap<>();
    repliesByNode.forEach((name, count) -> nodes.put(name, count[0]));
    return nodes;
  }

  /** {@code sent=.. replied=.. retried=.. lost=.. reconnects=.. nodes=..}, the form the fleet scenario reads. */
  String summary() {
    return "sent=" + sent + " replied=" + replied + " retried=" + retried + " lost=" + lost
        + " reconnects=" + reconnects + " nodes=" + repliesByNode.size() + " resets=" + resets + " closes=" + closes
        + " timeouts=" + timeouts + " late=" + late;
  }

  JsonObject toJson() {
    JsonObject nodes = new JsonObject();
    nodes().forEach(nodes::put);
    return new JsonObject()
        .put("sent", sent)
        .put("replied", replied)
        .put("retried", retried)
        .put("mismatched", mismatched)
        .put("lost", lost)
        .put("reconnects", reconnects)
        .put("resets", resets)
        .put("closes", closes)
        .put("timeouts", timeouts)
        .put("late", late)
        .put("nodes", nodes);
  }
}
