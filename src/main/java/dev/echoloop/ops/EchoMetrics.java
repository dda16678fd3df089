package dev.echoloop.ops;

import dev.echoloop.config.EchoConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * echoloop's own metrics for one server instance, tagged with its event loop, beside Vert.x's {@code vertx_net_server_*}.
 * When metrics are off (no admin port) nothing is registered or counted, so neither the start nor the data path pays
 * for them.
 */
public final class EchoMetrics {

  /** Why a connection or a frame was refused: the {@code reason} tag of {@code echoloop_rejected_total}. */
  public enum Rejection {
    FRAME_TOO_LONG, INVALID_FRAME, BUSY, IDLE_TIMEOUT, TLS, PROXY
  }

  /** Why the server reset a connection that still held replies: the {@code reason} tag of the abort series. */
  public enum Abort {
    SHUTDOWN_DEADLINE, IDLE_TIMEOUT, FAILED
  }

  /** A fault injected on purpose (the {@code faults} configuration): the {@code fault} tag of {@code echoloop_faults_total}. */
  public enum Fault {
    /** A reply held back by {@code faults.delayMillis}. */
    DELAY,
    /** A connection closed with a FIN after {@code faults.closeAfterMessages}. */
    CLOSE,
    /** A connection reset after {@code faults.closeAfterMessages}, with {@code closeWith: rst}. */
    RESET,
    /** A connection that stopped being read and answered after {@code faults.stallAfterBytes}. */
    STALL,
    /** A connection reset at connect by {@code faults.refuseProbability}. */
    REFUSE
  }

  private final AtomicInteger openConnections = new AtomicInteger();
  /** Null when metrics are off: Micrometer is then never loaded, nor anything counted per message. */
  private final Meters meters;

  /**
   * @param eventLoop the {@code event_loop} tag of every series
   * @param enabled   whether this Vert.x has metrics ({@link io.vertx.core.Vertx#isMetricsEnabled()}): only then is
   *                  anything registered or counted. Without them Micrometer is never loaded, which spares a server
   *                  without an admin port about 70 classes at start (issue 10).
   */
  public EchoMetrics(String eventLoop, boolean enabled) {
    MeterRegistry registry = enabled ? BackendRegistries.getDefaultNow() : null;
    meters = registry == null ? null : new Meters(registry, eventLoop, openConnections);
  }

  public void connectionOpened() {
    openConnections.incrementAndGet();
  }

  public void connectionClosed() {
    openConnections.decrementAndGet();
  }

  public void received(int bytes) {
    if (meters != null) {
      meters.bytesReceived.increment(bytes);
    }
  }

  public void replied(int bytes) {
    if (meters != null) {
      meters.replies.increment();
      meters.bytesSent.increment(bytes);
    }
  }

  public void rejected(Rejection reason) {
    if (meters != null) {
      meters.rejections.get(reason).increment();
    }
  }

  /** A graceful shutdown closed a connection right after a complete reply ({@code drain: boundary}). */
  public void drained() {
    if (meters != null) {
      meters.drained.increment();
    }
  }

  /**
   * Refusals so far by reason ({@code busy}, {@code frame_too_long}...), the reasons with none left out; empty when
   * metrics are off.
   */
  public Map<String, Long> rejections() {
    Map<String, Long> counts = new TreeMap<>();
    if (meters != null) {
      meters.rejections.forEach((reason, counter) -> {
        long count = (long) counter.count();
        if (count > 0) {
          counts.put(EchoConfig.lowerCase(reason), count);
        }
      });
    }
    return counts;
  }

  public void injected(Fault fault) {
    if (meters != null) {
      meters.faults.get(fault).increment();
    }
  }

  /** A connection was reset with {@code unsentBytes} (bytes) of replies and errors still queued for it. */
  public void aborted(Abort reason, long unsentBytes) {
    if (meters != null) {
      meters.aborts.get(reason).increment();
      meters.unsentBytes.increment(unsentBytes);
    }
  }

  /** The series of one event loop, registered once. */
  private static final class Meters {
    private final Counter replies;
    private final Counter bytesReceived;
    private final Counter bytesSent;
    private final Counter drained;
    private final Map<Rejection, Counter> rejections = new EnumMap<>(Rejection.class);
    private final Map<Abort, Counter> aborts = new EnumMap<>(Abort.class);
    private final Counter unsentBytes;
    private final Map<Fault, Counter> faults = new EnumMap<>(Fault.class);

    Meters(MeterRegistry registry, String eventLoop, AtomicInteger openConnections) {
      Gauge.builder("echoloop.connections.open", openConnections, AtomicInteger::get)
        .description("connections open on this event loop").tag("event_loop", eventLoop).register(registry);
      replies = Counter.builder("echoloop.replies").description("replies written")
        .tag("event_loop", eventLoop).register(registry);
      bytesReceived = Counter.builder("echoloop.bytes.received").baseUnit("bytes")
        .description("bytes read from clients, framing included").tag("event_loop", eventLoop).register(registry);
      bytesSent = Counter.builder("echoloop.bytes.sent").baseUnit("bytes").description("reply bytes written")
        .tag("event_loop", eventLoop).register(registry);
      for (Rejection reason : Rejection.values()) {
        rejections.put(reason, Counter.builder("echoloop.rejected").description("connections and frames refused")
          .tag("event_loop", eventLoop).tag("reason", EchoConfig.lowerCase(reason)).register(registry));
      }
      for (Abort reason : Abort.values()) {
        aborts.put(reason, Counter.builder("echoloop.connections.aborted")
          .description("connections reset because replies queued for them could not be delivered")
          .tag("event_loop", eventLoop).tag("reason", EchoConfig.lowerCase(reason)).register(registry));
      }
      unsentBytes = Counter.builder("echoloop.replies.unsent").baseUnit("bytes")
        .description("reply bytes dropped when a connection was reset").tag("event_loop", eventLoop).register(registry);
      drained = Counter.builder("echoloop.connections.drained")
        .description("connections closed at a message boundary in a graceful shutdown").tag("event_loop", eventLoop)
        .register(registry);
      for (Fault fault : Fault.values()) {
        faults.put(fault, Counter.builder("echoloop.faults").description("faults injected on purpose")
          .tag("event_loop", eventLoop).tag("fault", EchoConfig.lowerCase(fault)).register(registry));
      }
    }
  }
}
