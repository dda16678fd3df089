package dev.echoloop.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one UDP socket, tagged with its event loop: {@code echoloop_udp_datagrams_total},
 * {@code echoloop_udp_replies_total}, {@code echoloop_udp_too_long_total} and
 * {@code echoloop_udp_dropped_total{reason}}. The counts are kept here, so tests and the start-up summary can read them
 * without Prometheus; the registry, when metrics are on, reads them at each scrape.
 */
public final class UdpMetrics {

  /** Why a datagram got no reply: the {@code reason} tag of {@code echoloop_udp_dropped_total}. */
  public enum Drop {
    /** The source port is below 1024, where echo (7), daytime (13), chargen (19) and time (37) live: no loops. */
    PRIVILEGED_PORT,
    /** The source address has used up its {@code udp.maxRepliesPerSecondPerSource} and its burst. */
    SOURCE_RATE,
    /** The whole server is at {@code udp.maxRepliesPerSecond}. */
    GLOBAL_RATE,
    /** {@code udp.maxSources} addresses are all active: a new one cannot be tracked, so it is not answered. */
    SOURCE_TABLE_FULL,
    /** Replies this socket has handed to Netty are not sent yet: the kernel's send buffer is full. */
    SEND_QUEUE_FULL,
    /** The kernel refused the reply (e.g. no route back). */
    SEND_FAILED;

    /** The tag value, as the README lists it: {@code source_rate}. */
    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final LongAdder datagrams = new LongAdder();
  private final LongAdder replies = new LongAdder();
  private final LongAdder tooLong = new LongAdder();
  private final Map<Drop, LongAdder> dropped = new EnumMap<>(Drop.class);

  public UdpMetrics(String eventLoop) {
    for (Drop reason : Drop.values()) {
      dropped.put(reason, new LongAdder());
    }
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) {
      return;
    }
    FunctionCounter.builder("echoloop.udp.datagrams", datagrams, LongAdder::sum)
      .description("datagrams received").tag("event_loop", eventLoop).register(registry);
    FunctionCounter.builder("echoloop.udp.replies", replies, LongAdder::sum)
      .description("replies sent, ERR replies included").tag("event_loop", eventLoop).register(registry);
    FunctionCounter.builder("echoloop.udp.too_long", tooLong, LongAdder::sum)
      .description("datagrams answered ERR datagram too long").tag("event_loop", eventLoop).register(registry);
    dropped.forEach((reason, count) -> FunctionCounter.builder("echoloop.udp.dropped", count, LongAdder::sum)
      .description("datagrams not answered").tag("event_loop", eventLoop).tag("reason", reason.tag()).register(registry));
  }

  public void received() {
    datagrams.increment();
  }

  public void replied() {
    replies.increment();
  }

  public void tooLong() {
    tooLong.increment();
  }

  public void dropped(Drop reason) {
    dropped.get(reason).increment();
  }

  public long datagrams() {
    return datagrams.sum();
  }

  public long replies() {
    return replies.sum();
  }

  public long tooLongCount() {
    return tooLong.sum();
  }

  public long droppedCount(Drop reason) {
    return dropped.get(reason).sum();
  }
}
