package dev.echoloop.udp;

import dev.echoloop.config.UdpConfig;
import dev.echoloop.ops.UdpMetrics.Drop;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Decides whether a datagram may be answered. A UDP echo answers whatever address a datagram claims to come from, and
 * its prefix makes every reply longer than the request, so an open one is a reflector and amplifier for spoofed traffic
 * (CERT advisory CA-1996-01, "UDP port denial-of-service attack", known as fraggle). The guard answers:
 * <ul>
 *   <li>no source port below 1024: echo (7), daytime (13), chargen (19) and time (37) answer every datagram too, and two
 *   of them pointed at each other would loop for ever;</li>
 *   <li>at most {@code maxRepliesPerSecondPerSource} replies per second, with a burst of {@code burstPerSource}, to one
 *   source address (all its ports together);</li>
 *   <li>at most {@code maxRepliesPerSecond} replies per second from the whole server, with a burst of a tenth of that.</li>
 * </ul>
 *
 * <p>Each limit is a token bucket, kept as the generic cell rate algorithm (GCRA, ITU-T I.371): one "theoretical arrival
 * time" per bucket, in {@link System#nanoTime()} units, instead of a token count and a refill timestamp. A bucket whose
 * arrival time is not after now is full, which is how an idle source can be forgotten without changing anything.
 *
 * <p>Sources are remembered in a table bounded by {@code maxSources}. When it is full, the source idle longest is
 * forgotten if its bucket is full again (forgetting it loses nothing); otherwise the new source is not answered, so no
 * number of spoofed addresses can push a flooding source out of the table and reset its limit.
 *
 * <p>One guard is shared by every socket of a server: with {@code SO_REUSEPORT} the kernel spreads one address's
 * ports over several sockets, so a guard per socket would multiply the limits by the number of sockets. It is
 * thread-safe; each decision takes one short lock.
 */
final class ReflectionGuard {

  /** Ports below this are the privileged ones where the classic small services live. */
  static final int FIRST_UNPRIVILEGED_PORT = 1024;

  private final long sourceIntervalNanos;
  private final long sourceToleranceNanos;
  private final long globalIntervalNanos;
  private final long globalToleranceNanos;
  private final int maxSources;
  /** Access order: the first entry is the source that sent least recently. */
  private final LinkedHashMap<String, Source> sources = new LinkedHashMap<>(64, 0.75f, true);
  private long globalArrivalNanos;

  /** @param startNanos {@link System#nanoTime()} now: every bucket starts full */
  ReflectionGuard(UdpConfig config, long startNanos) {
    long second = TimeUnit.SECONDS.toNanos(1);
    sourceIntervalNanos = second / config.maxRepliesPerSecondPerSource();
    sourceToleranceNanos = sourceIntervalNanos * (config.burstPerSource() - 1L);
    globalIntervalNanos = second / config.maxRepliesPerSecond();
    globalToleranceNanos = globalIntervalNanos * (Math.max(1, config.maxRepliesPerSecond() / 10) - 1L);
    maxSources = config.maxSources();
    globalArrivalNanos = startNanos;
  }

  /**
   * @param address    the source's IP address, as text
   * @param port       the source's UDP port
   * @param nowNanos   {@link System#nanoTime()}
   * @return null when the datagram may be answered (its reply is then counted against the limits), else why not
   */
  Drop admit(String address, int port, long nowNanos) {
    if (port < FIRST_UNPRIVILEGED_PORT) {
      return Drop.PRIVILEGED_PORT;
    }
    synchronized (this) {
      Source source = sources.get(address);
      if (source == null) {
        if (sources.size() >= maxSources && !forgetIdlest(nowNanos)) {
          return Drop.SOURCE_TABLE_FULL;
        }
        source = new Source(nowNanos);
        sources.put(address, source);
      }
      long sourceArrival = Math.max(source.arrivalNanos - nowNanos, 0);
      if (sourceArrival > sourceToleranceNanos) {
        return Drop.SOURCE_RATE;
      }
      long globalArrival = Math.max(globalArrivalNanos - nowNanos, 0);
      if (globalArrival > globalToleranceNanos) {
        return Drop.GLOBAL_RATE;
      }
      source.arrivalNanos = nowNanos + sourceArrival + sourceIntervalNanos;
      globalArrivalNanos = nowNanos + globalArrival + globalIntervalNanos;
      return null;
    }
  }

  /** Source addresses remembered right now; never more than {@code maxSources}. */
  synchronized int trackedSources() {
    return sources.size();
  }

  private boolean forgetIdlest(long nowNanos) {
    Iterator<Map.Entry<String, Source>> idlest = sources.entrySet().iterator();
    if (idlest.hasNext() && idlest.next().getValue().arrivalNanos - nowNanos <= 0) {
      idlest.remove();
      return true;
    }
    return false;
  }

  /** One source address's bucket: when it may next send at the steady rate. */
  private static final class Source {
    long arrivalNanos;

    Source(long arrivalNanos) {
      this.arrivalNanos = arrivalNanos;
    }
  }
}
