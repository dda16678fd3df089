package dev.echoloop.ops;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Logback's {@link AsyncAppender} with {@code neverBlock}, made visible: a logging call only puts the event in a bounded
 * queue, and when the output behind it is stuck (a pipe nobody reads, a stalled journald, a paused terminal) and the
 * queue is full, the event is dropped and counted instead of blocking the thread, which is usually an event loop.
 *
 * <p>Logback's own policy stays: once the queue is 80 % full (its {@code discardingThreshold}), TRACE to INFO events are
 * dropped first to keep room for warnings and errors. Every drop, of either kind, is counted; the count is served as
 * {@code echoloop_log_dropped_total}, and once the queue has drained, one WARN line on {@value #REPORT_LOGGER} says how
 * many lines were dropped since the previous such line. Configure it in {@code logback.xml} like an {@code AsyncAppender}.
 *
 * <p><b>Handed over in batches.</b> {@code AsyncAppender} wakes its worker thread for every event that finds it waiting,
 * and on a server that is not saturated it is nearly always waiting: with the access log on, one line per connection,
 * that wake-up and the two context switches around it cost more than writing the line (async-profiler,
 * connection per request, bench/README.md). So a logging call only takes the event's details on the calling thread
 * (thread name, message, MDC, as {@code AsyncAppender} would) and stages it; the first event staged schedules one hand-over
 * {@value #HAND_OVER_MILLIS} ms later on Logback's own scheduler, which queues everything staged by then, in order. A
 * line reaches the output up to that much later; the worker wakes about once per batch instead of once per line. At
 * most {@code queueSize} events wait staged; beyond that they are dropped and counted like a full queue's.
 */
public final class NeverBlockingAppender extends AsyncAppender {

  /** The logger of the line that reports drops. */
  public static final String REPORT_LOGGER = "echoloop.log";

  private static final long REPORT_CHECK_MILLIS = 1000;

  /** How long the first staged event waits for others before the batch is queued, in ms. */
  static final long HAND_OVER_MILLIS = 10;

  private final LongAdder dropped = new LongAdder();
  /** Events logged but not yet queued, in the order they were logged. */
  private final Queue<ILoggingEvent> staged = new ConcurrentLinkedQueue<>();
  private final AtomicInteger stagedCount = new AtomicInteger();
  /** A hand-over is scheduled and has not begun taking from {@link #staged}. */
  private final AtomicBoolean handOverScheduled = new AtomicBoolean();
  /** Drops already reported; only the report task writes it. */
  private long reported;
  private ScheduledFuture<?> reportTask;

  public NeverBlockingAppender() {
    setNeverBlock(true);
  }

  @Override
  public void start() {
    setNeverBlock(true);
    super.start();
    if (isStarted()) {
      reportTask = getContext().getScheduledExecutorService()
        .scheduleWithFixedDelay(this::reportDrops, REPORT_CHECK_MILLIS, REPORT_CHECK_MILLIS, TimeUnit.MILLISECONDS);
      getContext().addScheduledFuture(reportTask);
    }
  }

  @Override
  public void stop() {
    if (reportTask != null) {
      reportTask.cancel(false);
    }
    // What is staged is queued first, so that the queue's flush at stop writes it out.
    handOver();
    super.stop();
  }

  /** Lines dropped since start because the output did not keep up. */
  public long droppedCount() {
    return dropped.sum();
  }

  /** Called only when the queue is past the discarding threshold: true drops the event. */
  @Override
  protected boolean isDiscardable(ILoggingEvent event) {
    boolean discard = super.isDiscardable(event);
    if (discard) {
      dropped.increment();
    }
    return discard;
  }

  /** Stages the event, its details taken now, on the logging thread; see the class comment. */
  @Override
  protected void append(ILoggingEvent event) {
    preprocess(event);
    if (stagedCount.incrementAndGet() > getQueueSize()) {
      stagedCount.decrementAndGet();
      dropped.increment();
      return;
    }
    staged.add(event);
    if (handOverScheduled.compareAndSet(false, true)) {
      try {
        getContext().getScheduledExecutorService().schedule(this::handOver, HAND_OVER_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException stopping) {
        // Logback is stopping: queue it now, for the stop's flush.
        handOver();
      }
    }
  }

  /**
   * Queues every staged event, in order. The flag is cleared before taking, so an event staged after the last take
   * schedules the next hand-over. {@code AsyncAppender} ignores whether its non-blocking {@code offer} succeeded, so the
   * check for room is made here; it is exact under this lock, as only this method takes room from the queue.
   */
  private synchronized void handOver() {
    handOverScheduled.set(false);
    for (ILoggingEvent event = staged.poll(); event != null; event = staged.poll()) {
      stagedCount.decrementAndGet();
      if (getRemainingCapacity() == 0) {
        dropped.increment();
      } else {
        super.append(event);
      }
    }
  }

  private void reportDrops() {
    long total = dropped.sum();
    if (total > reported && getNumberOfElementsInQueue() == 0 && stagedCount.get() == 0) {
      long since = total - reported;
      reported = total;
      ((LoggerContext) getContext()).getLogger(REPORT_LOGGER).warn(
        "{} log lines dropped because the log output was not keeping up (echoloop_log_dropped_total {})", since, total);
    }
  }

  /**
   * Serves the drops of every such appender on the root logger as {@code echoloop_log_dropped_total}: one series for
   * the process, as the log output is shared by all event loops.
   */
  public static void registerDropCounter(MeterRegistry registry) {
    // Micrometer holds the counted object weakly; the root logger lives as long as logging does.
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    FunctionCounter.builder("echoloop.log.dropped", root, NeverBlockingAppender::droppedBelow)
      .description("log lines dropped because the log output did not keep up")
      .register(registry);
  }

  private static double droppedBelow(Logger logger) {
    long dropped = 0;
    for (Iterator<Appender<ILoggingEvent>> appenders = logger.iteratorForAppenders(); appenders.hasNext(); ) {
      if (appenders.next() instanceof NeverBlockingAppender appender) {
        dropped += appender.droppedCount();
      }
    }
    return dropped;
  }

  /**
   * Writes out what the queues still hold, for at most their {@code maxFlushTime} each, and stops logging. Call it just
   * before the JVM exits: the queue's worker is a daemon thread, which an exit would stop with lines still queued.
   */
  public static void flushAndStop() {
    ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
  }
}
