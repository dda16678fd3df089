package dev.echoloop;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the instances of one server deployment share across their event loops: the port they bound and the count of
 * open connections that {@code maxConnections} limits.
 *
 * <p>It lives in a Vert.x local map under the deployment's id, so instances the launcher creates by class name find the
 * same object as instances created by {@link TcpServerDeployment}.
 */
final class ServerGroup implements Shareable {

  private static final String MAP = "echoloop.server-groups";

  private final AtomicInteger openConnections = new AtomicInteger();
  private volatile int port;

  static ServerGroup of(Vertx vertx, String deploymentId) {
    LocalMap<String, ServerGroup> groups = vertx.sharedData().getLocalMap(MAP);
    ServerGroup created = new ServerGroup();
    ServerGroup existing = groups.putIfAbsent(deploymentId, created);
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

  void bound(int actualPort) {
    port = actualPort;
  }
}
