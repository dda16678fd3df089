package dev.echoloop.live;

import dev.echoloop.tcp.ServerSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * The JSON the page and scripts read: one {@code /events} message, and the {@code /connections} table, which is the
 * message's {@code connections} member. Addresses and counts only, never payload bytes.
 */
final class LiveJson {

  private LiveJson() {
  }

  /**
   * One event: {@code server}, {@code viewers}, {@code loops} (in the order of the threads' numbers) and
   * {@code connections}.
   *
   * @param watching viewers connected to {@code /events}
   * @param limit    the most viewers allowed
   * @param skipped  snapshots not sent to a viewer that had not taken the previous ones, over all viewers so far
   */
  static JsonObject event(Sampler.Sample sample, int watching, int limit, long skipped) {
    ServerSnapshot snapshot = sample.snapshot();
    JsonArray loops = new JsonArray();
    for (ServerSnapshot.Loop loop : snapshot.loops()) {
      Sampler.Rates rates = sample.rates().getOrDefault(loop.eventLoop(), Sampler.Rates.UNKNOWN);
      loops.add(new JsonObject()
        .put("eventLoop", loop.eventLoop())
        .put("open", loop.open())
        .put("heldBack", loop.heldBack())
        .put("messagesPerSecond", round(rates.messages()))
        .put("bytesInPerSecond", round(rates.bytesIn()))
        .put("bytesOutPerSecond", round(rates.bytesOut()))
        .put("rejections", counts(loop.rejections())));
    }
    return new JsonObject()
      .put("server", server(snapshot.status()))
      .put("viewers", new JsonObject().put("watching", watching).put("limit", limit).put("skipped", skipped))
      .put("loops", loops)
      .put("connections", table(snapshot));
  }

  /** {@code {"open": all open connections, "shown": rows, "rows": [...]}}, most active first. */
  static JsonObject table(ServerSnapshot snapshot) {
    JsonArray rows = new JsonArray();
    for (ServerSnapshot.Connection connection : snapshot.connections()) {
      rows.add(new JsonObject()
        .put("client", connection.client())
        .put("peer", connection.peer())
        .put("eventLoop", connection.eventLoop())
        .put("ageMillis", connection.ageMillis())
        .put("bytesIn", connection.bytesIn())
        .put("bytesOut", connection.bytesOut())
        .put("bytesQueued", connection.bytesQueued())
        .put("messages", connection.messages())
        .put("messagesPerSecond", round(connection.messagesPerSecond()))
        .put("state", connection.state())
        .put("tls", connection.tlsVersion()));
    }
    return new JsonObject().put("open", snapshot.open()).put("shown", rows.size()).put("rows", rows);
  }

  private static JsonObject server(ServerSnapshot.Status status) {
    return new JsonObject()
      .put("state", status.state())
      .put("drainSecondsLeft", (status.drainMillisLeft() + 999) / 1000)
      .put("acceptingSecondsLeft", (status.acceptingMillisLeft() + 999) / 1000)
      .put("nodeName", status.nodeName())
      .put("framing", status.framing())
      .put("transport", status.transport())
      .put("instances", status.instances())
      .put("tls", status.tls())
      .put("proxyProtocol", status.proxyProtocol())
      .put("faults", status.faults())
      .put("uptimeSeconds", status.uptimeMillis() / 1000);
  }

  private static JsonObject counts(Map<String, Long> counts) {
    JsonObject json = new JsonObject();
    counts.forEach(json::put);
    return json;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
