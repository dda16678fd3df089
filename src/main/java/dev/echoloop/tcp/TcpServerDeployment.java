package dev.echoloop.tcp;

import dev.echoloop.config.AdminConfig;
import dev.echoloop.config.EchoConfig;
import dev.echoloop.ops.BuildInfo;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import dev.echoloop.ops.AdminRoutes;
import dev.echoloop.ops.AdminVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One running echo server: all the {@link TcpServerVerticle} instances of one deployment, and the port they share.
 *
 * @param vertx        the Vert.x instance it is deployed on
 * @param deploymentId the deployment of all its instances
 * @param host         the address actually bound (for a host name, the one it resolved to)
 * @param port         the port every instance shares
 * @param config       the configuration every instance runs with
 */
public record TcpServerDeployment(Vertx vertx, String deploymentId, String host, int port, EchoConfig config) {

  private static final Logger log = LoggerFactory.getLogger(TcpServerDeployment.class);

  /** Deploys {@code config.instances()} server instances and announces the address they listen on. */
  public static Future<TcpServerDeployment> deploy(Vertx vertx, EchoConfig config) {
    return vertx.deployVerticle(() -> new TcpServerVerticle(config), new DeploymentOptions().setInstances(config.instances()))
      .map(id -> announce(vertx, id, config));
  }

  /**
   * Logs the address a deployment (made here or by the launcher) actually listens on, which for a host name is the one
   * address it resolved to, and describes it.
   */
  public static TcpServerDeployment announce(Vertx vertx, String deploymentId, EchoConfig config) {
    ServerGroup group = ServerGroup.of(vertx, deploymentId);
    int instances = config.instances();
    String transport = transportName(vertx, config);
    log.info("echoloop listening on {}:{} ({} instance{}, {} framing, {} transport)", group.host(), group.port(),
      instances, instances == 1 ? "" : "s", EchoConfig.lowerCase(config.framing()), transport);
    if (config.faults().active()) {
      // A server that misbehaves on purpose must never be mistaken for a broken one.
      log.warn("FAULT INJECTION ON {}:{}: {}. This server misbehaves on purpose; its clients will see these failures.",
        group.host(), group.port(), config.faults().describe());
    }
    return new TcpServerDeployment(vertx, deploymentId, group.host(), group.port(), config);
  }

  /** Starts the admin HTTP server (metrics, health, readiness) for this server; it stops after the server drains. */
  public Future<AdminVerticle> startAdmin(AdminConfig admin) {
    return startAdmin(admin, List.of());
  }

  /**
   * Starts the admin HTTP server with further routes beside metrics, health and readiness.
   *
   * @param routes what other parts serve on the admin port (the live view, its event stream), added in this order
   */
  public Future<AdminVerticle> startAdmin(AdminConfig admin, List<AdminRoutes> routes) {
    return startAdmin(admin, routes, List.of());
  }

  /**
   * Starts the admin HTTP server for this server and the servers beside it.
   *
   * @param routes    what other parts serve on the admin port, added in this order
   * @param alongside the readiness of other servers of the process (the UDP server): {@code /ready} needs every one of
   *                  them, and the admin server stops after all of them have drained
   */
  public Future<AdminVerticle> startAdmin(AdminConfig admin, List<AdminRoutes> routes,
                                          List<AdminVerticle.Readiness> alongside) {
    List<AdminVerticle.Readiness> parts = new ArrayList<>();
    parts.add(ServerGroup.of(vertx, deploymentId));
    parts.addAll(alongside);
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      BuildInfo.register(registry, config.nodeName());
    }
    AdminVerticle verticle = new AdminVerticle(admin, AdminVerticle.Readiness.allOf(parts), routes);
    return vertx.deployVerticle(verticle).map(id -> verticle);
  }

  /** Connections open right now across all instances. */
  public int openConnections() {
    return ServerGroup.of(vertx, deploymentId).openConnections();
  }

  /**
   * What the server is doing now: its state, each event loop's totals and its {@code maxRows} most active connections.
   * Each instance reads its own connections on its own event loop, so nothing on the data path is locked or kept up to
   * date for this; the cost is one pass over the open connections per call, paid only when someone asks.
   *
   * @param maxRows the most connections to describe (the busiest ones)
   * @return completed on the caller's context (call it from one: a verticle, a request handler)
   */
  public Future<ServerSnapshot> snapshot(int maxRows) {
    ServerGroup group = ServerGroup.of(vertx, deploymentId);
    ContextInternal caller = ((VertxInternal) vertx).getOrCreateContext();
    boolean draining = group.shuttingDown();
    List<Future<EventLoopConnections.Snapshot>> parts = new ArrayList<>();
    for (EventLoopConnections loop : group.loops()) {
      Promise<EventLoopConnections.Snapshot> reply = caller.promise();
      loop.snapshot(reply, maxRows, draining);
      parts.add(reply.future());
    }
    return Future.all(parts).map(all -> merge(all.list(), status(group), maxRows));
  }

  private ServerSnapshot.Status status(ServerGroup group) {
    long now = System.nanoTime();
    String state;
    long drainMillisLeft = 0;
    long acceptingMillisLeft = 0;
    if (group.isDrained()) {
      state = "drained";
    } else if (group.shuttingDown()) {
      state = "draining";
      long started = group.shutdownStartedNanos();
      long delay = TimeUnit.SECONDS.toNanos(config.shutdownDelaySeconds());
      long deadline = started + delay + TimeUnit.SECONDS.toNanos(config.shutdownTimeoutSeconds());
      drainMillisLeft = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - now));
      acceptingMillisLeft = Math.max(0, TimeUnit.NANOSECONDS.toMillis(started + delay - now));
    } else {
      state = group.notReadyReason() == null ? "ready" : "starting";
    }
    return new ServerSnapshot.Status(state, drainMillisLeft, acceptingMillisLeft, config.nodeName(),
      EchoConfig.lowerCase(config.framing()), transportName(vertx, config).toLowerCase(Locale.ROOT), config.instances(),
      config.tls().enabled(), config.proxyProtocol(),
      config.faults().active() ? config.faults().describe() : null, TimeUnit.NANOSECONDS.toMillis(now - group.createdNanos()));
  }

  /**
   * One entry per event loop (instances that share a thread are added up), in the order of the threads' numbers, and
   * the busiest connections of all of them.
   */
  private static ServerSnapshot merge(List<EventLoopConnections.Snapshot> parts, ServerSnapshot.Status status,
                                      int maxRows) {
    Map<String, ServerSnapshot.Loop> loops = new TreeMap<>(BY_THREAD_NUMBER);
    List<ServerSnapshot.Connection> connections = new ArrayList<>();
    int open = 0;
    for (EventLoopConnections.Snapshot part : parts) {
      loops.merge(part.loop().eventLoop(), part.loop(), TcpServerDeployment::add);
      connections.addAll(part.busiest());
      open += part.loop().open();
    }
    connections.sort(ServerSnapshot.MOST_ACTIVE);
    return new ServerSnapshot(status, List.copyOf(loops.values()), open,
      List.copyOf(connections.subList(0, Math.min(maxRows, connections.size()))));
  }

  private static ServerSnapshot.Loop add(ServerSnapshot.Loop a, ServerSnapshot.Loop b) {
    Map<String, Long> rejections = new TreeMap<>(a.rejections());
    b.rejections().forEach((reason, count) -> rejections.merge(reason, count, Long::sum));
    return new ServerSnapshot.Loop(a.eventLoop(), a.open() + b.open(), a.heldBack() + b.heldBack(),
      a.messages() + b.messages(), a.bytesIn() + b.bytesIn(), a.bytesOut() + b.bytesOut(), rejections);
  }

  /** {@code vert.x-eventloop-thread-2} before {@code vert.x-eventloop-thread-10}. */
  private static final Comparator<String> BY_THREAD_NUMBER = Comparator
    .comparingLong(TcpServerDeployment::threadNumber)
    .thenComparing(Comparator.naturalOrder());

  private static long threadNumber(String threadName) {
    int start = threadName.length();
    while (start > 0 && Character.isDigit(threadName.charAt(start - 1))) {
      start--;
    }
    return start == threadName.length() ? Long.MAX_VALUE : Long.parseLong(threadName.substring(start));
  }

  private static String transportName(Vertx vertx, EchoConfig config) {
    return vertx.isNativeTransportEnabled() ? config.transport().resolve().name() : "nio";
  }

  /** Undeploys every instance; each one shuts its server down gracefully. */
  public Future<Void> undeploy() {
    return vertx.undeploy(deploymentId).onComplete(done -> ServerGroup.forget(vertx, deploymentId));
  }
}
