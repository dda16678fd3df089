package dev.echoloop.client;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.TlsSettings;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Python example's three clients: each message on its own connection, one after the other, printing every reply.
 *
 * <p>Its deployment completes once all three replies arrived, and fails with a {@link ClientException} otherwise, so
 * the deployer awaits the outcome through {@code deployVerticle}.
 */
public final class ClientVerticle extends VerticleBase {

  public static final List<String> MESSAGES = List.of("Hello from client1", "Hello from client2", "Hello from client3");

  private final EchoConfig givenConfig;
  private final List<String> replies = Collections.synchronizedList(new ArrayList<>());
  private EchoConfig config;
  private NetClient client;

  /** For the launcher, which deploys by class name: the configuration comes in the deployment's config. */
  public ClientVerticle() {
    this(null);
  }

  public ClientVerticle(EchoConfig config) {
    this.givenConfig = config;
  }

  @Override
  public Future<?> start() {
    config = givenConfig != null ? givenConfig : EchoConfig.fromJson(config());
    NetClientOptions options = new NetClientOptions()
      .setConnectTimeout((int) TimeUnit.SECONDS.toMillis(config.clientTimeoutSeconds()));
    // Checking the trust file stats it: blocking I/O, so on a worker thread.
    Future<NetClientOptions> ready = config.tls().enabled()
      ? vertx.executeBlocking(() -> TlsSettings.applyTo(options, config.tls()))
      : Future.succeededFuture(options);
    Future<Void> exchanges = ready.map(tlsReady -> {
      client = vertx.createNetClient(tlsReady);
      return null;
    });
    for (String message : MESSAGES) {
      exchanges = exchanges.compose(previous -> exchange(message)).compose(reply -> {
        replies.add(reply);
        // A stdout nobody reads (a stalled pipe, a paused terminal) would block an event loop: print from a worker.
        return vertx.executeBlocking(() -> {
          System.out.println("Client received: " + reply);
          return null;
        });
      });
    }
    return exchanges;
  }

  @Override
  public Future<?> stop() {
    return client.close();
  }

  /** The replies received so far, in order. */
  public List<String> replies() {
    return List.copyOf(replies);
  }

  private Future<String> exchange(String message) {
    String address = config.host() + ":" + config.port();
    Promise<String> reply = Promise.promise();
    long timer = vertx.setTimer(TimeUnit.SECONDS.toMillis(config.clientTimeoutSeconds()), fired ->
      reply.tryFail(new ClientException("no reply from " + address + " within " + config.clientTimeoutSeconds() + " s")));
    client.connect(config.port(), config.host())
      .onFailure(failure -> reply.tryFail(new ClientException("cannot connect to " + address + ": " + failure)))
      .onSuccess(socket -> {
        awaitReply(socket, message, address, reply);
        socket.write(message);
        reply.future().onComplete(done -> socket.close());
      });
    return reply.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  /** TCP may split a reply, so it is complete once the received bytes end with the message that was sent. */
  private static void awaitReply(NetSocket socket, String message, String address, Promise<String> reply) {
    Buffer received = Buffer.buffer();
    socket.handler(chunk -> {
      received.appendBuffer(chunk);
      String text = received.toString();
      if (text.endsWith(message)) {
        reply.tryComplete(text);
      }
    });
    socket.closeHandler(closed -> reply.tryFail(new ClientException(
      address + " closed the connection without a complete reply (received " + received.length() + " bytes)")));
    socket.exceptionHandler(failure -> reply.tryFail(new ClientException(address + ": " + failure)));
  }
}
