package dev.echoloop.udp;

import dev.echoloop.ops.AdminVerticle;
import dev.echoloop.ops.UdpMetrics;
import dev.echoloop.ops.UdpMetrics.Drop;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;

/**
 * What the sockets of one UDP server share across their event loops: the port the first one bound (the others join it
 * with {@code SO_REUSEPORT}), the {@link ReflectionGuard}, their counters, and whether they are serving or stopped.
 */
final class UdpSockets implements AdminVerticle.Readiness {

  private final int count;
  private final ReflectionGuard guard;
  private final Promise<Integer> port = Promise.promise();
  private final List<UdpMetrics> metrics = new CopyOnWriteArrayList<>();
  private final AtomicInteger listening = new AtomicInteger();
  private final AtomicInteger stopped = new AtomicInteger();
  private final AtomicBoolean shuttingDown = new AtomicBoolean();
  private final Promise<Void> drained = Promise.promise();

  UdpSockets(int count, ReflectionGuard guard) {
    this.count = count;
    this.guard = guard;
  }

  int count() {
    return count;
  }

  ReflectionGuard guard() {
    return guard;
  }

  /** The port every socket binds: known once the first socket has bound, or failed if it could not. */
  Future<Integer> port() {
    return port.future();
  }

  void firstBound(int actualPort) {
    port.tryComplete(actualPort);
  }

  void firstFailed(Throwable failure) {
    port.tryFail(failure);
  }

  void listening(UdpMetrics socketMetrics) {
    metrics.add(socketMetrics);
    listening.incrementAndGet();
  }

  /** Marks the server as shutting down; true for the first socket to do so, which speaks for all of them. */
  boolean shuttingDown() {
    return shuttingDown.compareAndSet(false, true);
  }

  void stopped() {
    if (stopped.incrementAndGet() >= listening.get()) {
      drained.tryComplete();
    }
  }

  /** A counter summed over every socket. */
  long sum(ToLongFunction<UdpMetrics> counter) {
    return metrics.stream().mapToLong(counter).sum();
  }

  long dropped(Drop reason) {
    return sum(socket -> socket.droppedCount(reason));
  }

  @Override
  public String notReadyReason() {
    if (shuttingDown.get()) {
      return "shutting down";
    }
    return listening.get() < count ? "udp not listening yet" : null;
  }

  @Override
  public Future<Void> drained() {
    return drained.future();
  }
}
