package dev.echoloop.udp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.UdpConfig;
import dev.echoloop.ops.AdminVerticle;
import dev.echoloop.ops.UdpMetrics;
import dev.echoloop.ops.UdpMetrics.Drop;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running UDP echo server: its {@link UdpEchoVerticle} sockets, one per event loop on a native transport (they
 * share the port with {@code SO_REUSEPORT}), a single one on NIO, which has no {@code SO_REUSEPORT}.
 */
public final class UdpServerDeployment {

  private static final Logger log = LoggerFactory.getLogger(UdpServerDeployment.class);

  private final Vertx vertx;
  private final String deploymentId;
  private final UdpSockets sockets;
  private final int port;

  private UdpServerDeployment(Vertx vertx, String deploymentId, UdpSockets sockets, int port) {
    this.vertx = vertx;
    this.deploymentId = deploymentId;
    this.sockets = sockets;
    this.port = port;
  }

  /**
   * Opens the sockets on {@code config.host()} and {@code config.udp().portFor(config.port())} and logs where. Fails
   * with an {@code InvalidConfigException} naming the address when the port cannot be bound.
   */
  public static Future<UdpServerDeployment> deploy(Vertx vertx, EchoConfig config) {
    int count = vertx.isNativeTransportEnabled() ? config.instances() : 1;
    UdpSockets sockets = new UdpSockets(count, new ReflectionGuard(config.udp(), System.nanoTime()));
    AtomicBoolean firstTaken = new AtomicBoolean();
    return vertx.deployVerticle(() -> new UdpEchoVerticle(config, sockets, firstTaken.compareAndSet(false, true)),
        new DeploymentOptions().setInstances(count))
      .compose(id -> sockets.port().map(port -> {
        announce(config, port, count, vertx);
        return new UdpServerDeployment(vertx, id, sockets, port);
      }));
  }

  private static void announce(EchoConfig config, int port, int count, Vertx vertx) {
    UdpConfig udp = config.udp();
    String transport = vertx.isNativeTransportEnabled() ? config.transport().resolve().name().toLowerCase() : "nio";
    log.info("echoloop UDP listening on {}:{} ({} socket{}{}, {} transport; replies at most {} bytes, {}/s per source"
        + " with a burst of {}, {}/s in all)", config.host(), port, count, count == 1 ? "" : "s",
      count > 1 ? " sharing the port with SO_REUSEPORT" : "", transport, udp.maxDatagramBytes(),
      udp.maxRepliesPerSecondPerSource(), udp.burstPerSource(), udp.maxRepliesPerSecond());
  }

  public int port() {
    return port;
  }

  /** How many sockets serve the port: one per event loop on a native transport, one on NIO. */
  public int sockets() {
    return sockets.count();
  }

  /** For {@code /ready}: not ready until every socket listens, and from the start of the shutdown. */
  public AdminVerticle.Readiness readiness() {
    return sockets;
  }

  /** Datagrams received by all sockets. */
  public long datagrams() {
    return sockets.sum(UdpMetrics::datagrams);
  }

  /** Replies sent by all sockets, {@code ERR datagram too long} included. */
  public long replies() {
    return sockets.sum(UdpMetrics::replies);
  }

  public long dropped(Drop reason) {
    return sockets.dropped(reason);
  }

  /** Closes every socket. */
  public Future<Void> undeploy() {
    return vertx.undeploy(deploymentId);
  }
}
