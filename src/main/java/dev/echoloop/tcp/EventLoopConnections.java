package dev.echoloop.tcp;

import dev.echoloop.ops.EchoMetrics;
import io.vertx.core.Context;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The connections one server instance serves, read on its own event loop when a viewer asks: nothing here runs per
 * message, and nothing is locked, because every method but {@link #snapshot} runs on that event loop and
 * {@link #snapshot} hops onto it. Totals of closed connections are added once, when each closes, so an event loop's
 * totals stay whole however many connections came and went.
 *
 * <p>Without the admin server nobody can ask, so nothing is tracked: a server without it runs exactly as before the
 * live view existed, which is what {@code make bench} compares the admin server against.
 */
final class EventLoopConnections {

  private final Context context;
  private final String eventLoop;
  private final EchoMetrics metrics;
  private final boolean tracking;
  private final Set<EchoConnection> open = new HashSet<>();
  private long closedMessages;
  private long closedBytesIn;
  private long closedBytesOut;

  /**
   * @param context   the instance's context, whose event loop serves every connection added here
   * @param eventLoop that event loop's thread name
   * @param tracking  whether connections are tracked at all: only when the admin server, which shows them, is on
   */
  EventLoopConnections(Context context, String eventLoop, EchoMetrics metrics, boolean tracking) {
    this.context = context;
    this.eventLoop = eventLoop;
    this.metrics = metrics;
    this.tracking = tracking;
  }

  void opened(EchoConnection connection) {
    if (tracking) {
      open.add(connection);
    }
  }

  void closed(EchoConnection connection) {
    if (tracking && open.remove(connection)) {
      closedMessages += connection.messages();
      closedBytesIn += connection.bytesIn();
      closedBytesOut += connection.bytesWritten();
    }
  }

  /**
   * Reads this event loop's totals and its {@code maxRows} most active connections, on its own thread.
   *
   * @param reply    completed with the snapshot; a promise of the caller's context, so the caller continues on its own
   *                 thread
   * @param maxRows  the most connections to describe
   * @param draining whether the server is shutting down, which every open connection then shows
   */
  void snapshot(Promise<Snapshot> reply, int maxRows, boolean draining) {
    context.runOnContext(ignored -> reply.complete(take(maxRows, draining)));
  }

  private Snapshot take(int maxRows, boolean draining) {
    long now = System.nanoTime();
    long messages = closedMessages;
    long bytesIn = closedBytesIn;
    long bytesOut = closedBytesOut;
    int heldBack = 0;
    // The busiest maxRows, without sorting every connection: the least active of them sits at the head.
    PriorityQueue<ServerSnapshot.Connection> busiest = new PriorityQueue<>(ServerSnapshot.MOST_ACTIVE.reversed());
    for (EchoConnection connection : open) {
      ServerSnapshot.Connection row = connection.snapshot(now, eventLoop, draining);
      messages += row.messages();
      bytesIn += row.bytesIn();
      bytesOut += row.bytesOut();
      if (connection.heldBack()) {
        heldBack++;
      }
      busiest.add(row);
      if (busiest.size() > maxRows) {
        busiest.poll();
      }
    }
    ServerSnapshot.Loop loop = new ServerSnapshot.Loop(eventLoop, open.size(), heldBack, messages, bytesIn, bytesOut,
      metrics.rejections());
    return new Snapshot(loop, new ArrayList<>(busiest));
  }

  /** An event loop's part of a {@link ServerSnapshot}: its totals and its busiest connections, in no order. */
  record Snapshot(ServerSnapshot.Loop loop, List<ServerSnapshot.Connection> busiest) {
  }
}
