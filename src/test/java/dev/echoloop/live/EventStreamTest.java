package dev.echoloop.live;

import dev.echoloop.testing.BlockingClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /events}: Server-Sent Events with one JSON snapshot per period, a cap on viewers answered 503, and a viewer
 * that stops reading skips snapshots instead of piling them up, while the others keep getting theirs.
 */
@ExtendWith(VertxExtension.class)
class EventStreamTest {

  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
  }

  @Test
  void streamsOneJsonSnapshotPerPeriodWithEachEventLoopInThreadOrder(Vertx vertx) throws Exception {
    LiveServer live = LiveServer.start(vertx, 4, 200, 2);
    BlockingClient client = open(new BlockingClient(live.server().port()));
    String eventLoop = client.send("hello\n").readLine().split(": ")[0];

    RawHttpClient viewer = open(RawHttpClient.get(live.adminPort(), "/events"));
    assertThat(viewer.status).isEqualTo(200);
    assertThat(viewer.headers.get("content-type")).startsWith("text/event-stream");
    assertThat(viewer.headers.get("cache-control")).isEqualTo("no-store");
    JsonObject event = viewer.nextEvent();
    JsonObject next = viewer.nextEvent();

    assertThat(event.getJsonObject("server").getString("state")).isEqualTo("ready");
    assertThat(event.getJsonObject("server").getString("framing")).isEqualTo("line");
    assertThat(event.getJsonObject("viewers").getInteger("watching")).isEqualTo(1);
    JsonArray loops = next.getJsonArray("loops");
    assertThat(loops).hasSize(2);
    List<Integer> threadNumbers = loops.stream()
      .map(loop -> ((JsonObject) loop).getString("eventLoop"))
      .map(name -> Integer.parseInt(name.substring(name.lastIndexOf('-') + 1)))
      .toList();
    assertThat(threadNumbers).isSorted();
    JsonObject served = loops.stream().map(JsonObject.class::cast)
      .filter(loop -> loop.getString("eventLoop").equals(eventLoop)).findFirst().orElseThrow();
    assertThat(served.getInteger("open")).isEqualTo(1);
    assertThat(served.getInteger("heldBack")).isZero();
    assertThat(served.fieldNames()).contains("messagesPerSecond", "bytesInPerSecond", "bytesOutPerSecond", "rejections");
    assertThat(next.getJsonObject("connections").getInteger("open")).isEqualTo(1);
  }

  @Test
  void refusesAViewerBeyondTheCapWith503UntilOneLeaves(Vertx vertx) throws Exception {
    LiveServer live = LiveServer.start(vertx, 2, 200, 2);
    RawHttpClient first = open(RawHttpClient.get(live.adminPort(), "/events"));
    RawHttpClient second = open(RawHttpClient.get(live.adminPort(), "/events"));
    first.nextEvent();
    second.nextEvent();

    try (RawHttpClient third = RawHttpClient.get(live.adminPort(), "/events")) {
      assertThat(third.status).isEqualTo(503);
      assertThat(new JsonObject(third.body()).getString("error")).isEqualTo("too many viewers: 2 are watching already");
    }

    first.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      try (RawHttpClient again = RawHttpClient.get(live.adminPort(), "/events")) {
        return again.status == 200 && again.nextEvent().getJsonObject("viewers").getInteger("watching") == 2;
      }
    });
  }

  @Test
  void aViewerThatStopsReadingSkipsSnapshotsWhileAnotherKeepsGettingThem(Vertx vertx) throws Exception {
    // Many connections make each event a full table (about 50 KB), so a stalled viewer's buffers fill in a few events.
    LiveServer live = LiveServer.start(vertx, 4, 20, 2);
    for (int i = 0; i < 200; i++) {
      open(new BlockingClient(live.server().port())).send("hello\n").readLine();
    }
    open(new RawHttpClient(live.adminPort(), "/events", 4 * 1024, false));
    RawHttpClient reader = open(RawHttpClient.get(live.adminPort(), "/events"));

    long skipped = 0;
    for (int events = 0; events < 2_000 && skipped == 0; events++) {
      JsonObject event = reader.nextEvent();
      assertThat(event.getJsonObject("connections").getJsonArray("rows")).hasSize(200);
      skipped = event.getJsonObject("viewers").getLong("skipped");
    }
    assertThat(skipped).isPositive();
    // The reader is still served, every period.
    assertThat(reader.nextEvent().getJsonObject("viewers").getInteger("watching")).isEqualTo(2);
  }

  private <T extends AutoCloseable> T open(T closeable) {
    opened.add(closeable);
    return closeable;
  }
}
