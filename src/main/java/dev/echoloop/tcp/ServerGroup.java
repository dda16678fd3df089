package dev.echoloop.tcp;

import dev.echoloop.ops.AdminVerticle;
import dev.echoloop.ops.EchoMetrics;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the instances of one server deployment share across their event loops: the address and port they bound, the
 * count of open connections that {@code maxConnections} limits, each instance's connections for the live view and
 * counters by event loop, which instance watches the TLS certificate and the PROXY headers for all of them, and whether
 * they are serving, shutting down or drained.
 *
 * <p>It lives in a Vert.x local map under the deployment's id, so instances the launcher creates by class name find the
 * same object as instances created by {@link TcpServerDeployment}.
 */
final class ServerGroup implements Shareable, AdminVerticle.Readiness {

  private static final String MAP = "echoloop.server-groups";

  private final AtomicInteger openConnections = new AtomicInteger();
  private final AtomicInteger listening = new AtomicInteger();
  private final AtomicInteger stopped = new AtomicInteger();
  private final Promise<Void> drained = Promise.promise();
  private final AtomicBoolean shuttingDown = new AtomicBoolean();
  private final AtomicBoolean certificateWatched = new AtomicBoolean();
  private final AtomicBoolean proxyHeadersWatched = new AtomicBoolean();
  /** Each instance's counters by its event loop, for what happens on a connection before Vert.x hands it over. */
  private final Map<EventLoop, EchoMetrics> metricsByLoop = new ConcurrentHashMap<>();
  /** Each instance's connections, for the live view; instances add theirs when they listen. */
  private final List<EventLoopConnections> loops = new CopyOnWriteArrayList<>();
  private final long createdNanos = System.nanoTime();
  private volatile long shutdownStartedNanos;
  private volatile InetAddress address;
  private volatile int port;

  static ServerGroup of(Vertx vertx, String deploymentId) {
    LocalMap<String, ServerGroup> groups = vertx.sharedData().getLocalMap(MAP);
    ServerGroup existing = groups.get(deploymentId);
    if (existing != null) {
      return existing;
    }
    ServerGroup created = new ServerGroup();
    existing = groups.putIfAbsent(deploymentId, created);
    return existing != null ? existing : created;
  }

  static void forget(Vertx vertx, String deploymentId) {
    vertx.sharedData().getLocalMap(MAP).remove(deploymentId);
  }

  /** Takes a connection slot; false when all {@code max} are taken. */
  boolean tryOpen(int max) {
    if (openConnections.incrementAndGet() > max) {
      openConnections.decrementAndGet();
      return false;
    }
    return true;
  }

  void closed() {
    openConnections.decrementAndGet();
  }

  int openConnections() {
    return openConnections.get();
  }

  int port() {
    return port;
  }

  /** The address actually bound, as text: {@code 127.0.0.1}, or {@code [::1]} for IPv6. */
  String host() {
    String literal = address.getHostAddress();
    return address instanceof Inet6Address ? "[" + literal + "]" : literal;
  }

  void listening(InetAddress boundAddress, int actualPort) {
    address = boundAddress;
    port = actualPort;
    listening.incrementAndGet();
  }

  /** True for the one instance that is to watch and reload the certificate the instances share. */
  boolean claimCertificateWatch() {
    return certificateWatched.compareAndSet(false, true);
  }

  /** True for the one instance that is to watch the PROXY headers of the connections the instances share. */
  boolean claimProxyHeaderWatch() {
    return proxyHeadersWatched.compareAndSet(false, true);
  }

  /** Records the counters of an instance serving on {@code loop}; instances sharing a loop share its counters. */
  void serveOn(EventLoop loop, EchoMetrics metrics) {
    metricsByLoop.putIfAbsent(loop, metrics);
  }

  /** The counters of the event loop {@code channel} is registered on, which an instance of the group serves. */
  EchoMetrics metricsOf(Channel channel) {
    return metricsByLoop.get(channel.eventLoop());
  }

  /**
   * Marks the group as shutting down (a compare-and-set), so {@code /ready} turns 503.
   *
   * @return true for the one instance that made the change, which then speaks for the group
   */
  boolean beginShutdown() {
    if (shuttingDown.compareAndSet(false, true)) {
      shutdownStartedNanos = System.nanoTime();
      return true;
    }
    return false;
  }

  void add(EventLoopConnections loop) {
    loops.add(loop);
  }

  void remove(EventLoopConnections loop) {
    loops.remove(loop);
  }

  List<EventLoopConnections> loops() {
    return loops;
  }

  long createdNanos() {
    return createdNanos;
  }

  boolean shuttingDown() {
    return shuttingDown.get();
  }

  /** {@link System#nanoTime()} when the graceful shutdown began; meaningful only once {@link #shuttingDown()}. */
  long shutdownStartedNanos() {
    return shutdownStartedNanos;
  }

  boolean isDrained() {
    return drained.future().isComplete();
  }

  void stopped() {
    if (stopped.incrementAndGet() >= listening.get()) {
      drained.tryComplete();
    }
  }

  @Override
  public String notReadyReason() {
    if (shuttingDown.get()) {
      return "shutting down";
    }
    return listening.get() == 0 ? "not listening yet" : null;
  }

  @Override
  public Future<Void> drained() {
    return drained.future();
  }
}
