package dev.echoloop.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Replies held back by {@code faults.delayMillis}, in order: a reply is never written before one queued earlier, so a
 * reply that is not delayed itself waits behind a delayed one, and a shorter jitter never overtakes a longer one. One
 * timer, for the first reply, runs on the connection's event loop.
 *
 * <p><b>Buffers.</b> A reply handed to {@link #add} belongs to this queue until it is passed to the writer, or released
 * by {@link #releaseAll} when the connection ends first.
 */
final class DelayedReplies {

  private final EventExecutor eventLoop;
  private final Consumer<ByteBuf> writer;
  private final Runnable afterFlush;
  private final ArrayDeque<Held> queue = new ArrayDeque<>();
  private long bytes;
  private long lastDueNanos = Long.MIN_VALUE;
  private ScheduledFuture<?> timer;

  /**
   * @param eventLoop  the connection's event loop, where everything here runs
   * @param writer     takes each reply, in order, when it is due
   * @param afterFlush runs after replies were written, so the connection can resume reading or close
   */
  DelayedReplies(EventExecutor eventLoop, Consumer<ByteBuf> writer, Runnable afterFlush) {
    this.eventLoop = eventLoop;
    this.writer = writer;
    this.afterFlush = afterFlush;
  }

  /** Holds {@code reply} for {@code delayNanos} (0 for a reply that only waits its turn), taking ownership of it. */
  void add(ByteBuf reply, long delayNanos) {
    long due = Math.max(System.nanoTime() + delayNanos, lastDueNanos);
    lastDueNanos = due;
    queue.add(new Held(reply, due));
    bytes += reply.readableBytes();
    if (queue.size() == 1) {
      schedule();
    }
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Reply bytes held here, which count against the connection's write queue. */
  long bytes() {
    return bytes;
  }

  /** The connection ended: every held reply is released unsent. */
  void releaseAll() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    queue.forEach(held -> held.reply.release());
    queue.clear();
    bytes = 0;
  }

  private void schedule() {
    long wait = queue.peek().dueNanos - System.nanoTime();
    timer = eventLoop.schedule(this::flushDue, Math.max(wait, 0), TimeUnit.NANOSECONDS);
  }

  private void flushDue() {
    timer = null;
    long now = System.nanoTime();
    while (!queue.isEmpty() && queue.peek().dueNanos - now <= 0) {
      Held held = queue.poll();
      bytes -= held.reply.readableBytes();
      writer.accept(held.reply);
    }
    if (!queue.isEmpty()) {
      schedule();
    }
    afterFlush.run();
  }

  private record Held(ByteBuf reply, long dueNanos) {
  }
}
