package dev.echoloop.live;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /events}: a Server-Sent Events stream (WHATWG HTML, "Server-sent events") of one snapshot per period to
 * every viewer. The stream is bounded: one shared snapshot per period, whatever the number of viewers; a viewer whose
 * connection has not taken the previous events ({@code writeQueueFull}) skips this one instead of queueing it; and at
 * most {@code maxViewers} watch at once, the next one being answered 503. With no viewer there is no timer and no
 * snapshot.
 *
 * <p>Runs on the admin server's event loop only.
 */
final class EventStream {

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  /** Bytes a viewer's connection may hold in Vert.x beyond what the kernel took: a few events of a full table. */
  static final int WRITE_QUEUE_BYTES = 256 * 1024;
  /** How long a browser waits before it reconnects to a server that went away, in ms. */
  private static final int RETRY_MILLIS = 2_000;

  private final Vertx vertx;
  private final Sampler sampler;
  private final int maxViewers;
  private final long periodMillis;
  private final List<HttpServerResponse> viewers = new ArrayList<>();
  private long skipped;
  private long timer = -1;

  /**
   * @param maxViewers   the most viewers watching at once
   * @param periodMillis how often an event is sent, in ms
   */
  EventStream(Vertx vertx, Sampler sampler, int maxViewers, long periodMillis) {
    this.vertx = vertx;
    this.sampler = sampler;
    this.maxViewers = maxViewers;
    this.periodMillis = periodMillis;
  }

  void open(RoutingContext request) {
    HttpServerResponse response = request.response();
    if (viewers.size() >= maxViewers) {
      response.setStatusCode(503)
        .putHeader("content-type", "application/json")
        .putHeader("retry-after", "10")
        .end(new JsonObject().put("error", "too many viewers: " + maxViewers + " are watching already").encode());
      return;
    }
    response.setChunked(true)
      .setWriteQueueMaxSize(WRITE_QUEUE_BYTES)
      .putHeader("content-type", "text/event-stream; charset=utf-8")
      .putHeader("cache-control", "no-store")
      // Reverse proxies (nginx) would otherwise buffer the stream and deliver it in lumps.
      .putHeader("x-accel-buffering", "no");
    response.closeHandler(closed -> leave(response));
    response.exceptionHandler(failure -> leave(response));
    viewers.add(response);
    response.write("retry: " + RETRY_MILLIS + "\n\n");
    // A new viewer gets the latest snapshot at once, rather than a blank page until the next period.
    sampler.sample().onSuccess(sample -> send(response, event(sample)));
    if (timer == -1) {
      timer = vertx.setPeriodic(periodMillis, tick -> publish());
    }
  }

  private void leave(HttpServerResponse response) {
    viewers.remove(response);
    if (viewers.isEmpty() && timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void publish() {
    sampler.sample().onComplete(
      sample -> {
        String event = event(sample);
        for (HttpServerResponse viewer : List.copyOf(viewers)) {
          send(viewer, event);
        }
      },
      failure -> log.debug("live view snapshot failed: {}", failure.toString()));
  }

  private void send(HttpServerResponse viewer, String event) {
    if (viewer.closed() || viewer.ended()) {
      return;
    }
    if (viewer.writeQueueFull()) {
      // The viewer is behind: a fresher snapshot follows, so this one is dropped rather than queued without bound.
      skipped++;
      return;
    }
    viewer.write(event);
  }

  private String event(Sampler.Sample sample) {
    return "data: " + LiveJson.event(sample, viewers.size(), maxViewers, skipped).encode() + "\n\n";
  }
}
