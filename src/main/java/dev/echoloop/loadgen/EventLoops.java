package dev.echoloop.loadgen;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * One Vert.x context per event loop, so connections can be spread over all of them.
 * A connection lives on the loop of the context it was opened from, and calls from the main
 * thread all share one sticky loop, hence the deployment of one empty verticle per loop.
 */
final class EventLoops {

  private final List<Context> contexts;

  private EventLoops(List<Context> contexts) {
    this.contexts = contexts;
  }

  static Future<EventLoops> deploy(Vertx vertx, int count) {
    List<Context> contexts = new CopyOnWriteArrayList<>();
    return vertx
        .deployVerticle(() -> new ContextHolder(contexts), new DeploymentOptions().setInstances(count))
        .map(deploymentId -> new EventLoops(List.copyOf(contexts)));
  }

  /** Runs the action on the loop for this index, loops taken round-robin; the same index always gets the same loop. */
  <T> Future<T> run(int index, Supplier<Future<T>> action) {
    Promise<T> result = Promise.promise();
    contexts.get(index % contexts.size()).runOnContext(v -> action.get().onComplete(result));
    return result.future();
  }

  private static final class ContextHolder extends VerticleBase {

    private final List<Context> contexts;

    ContextHolder(List<Context> contexts) {
      this.contexts = contexts;
    }

    @Override
    public Future<?> start() {
      contexts.add(context);
      return Future.succeededFuture();
    }
  }
}
