package dev.echoloop.udp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.InvalidConfigException;
import dev.echoloop.ops.UdpMetrics;
import dev.echoloop.ops.UdpMetrics.Drop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Answers each datagram on one UDP socket with one datagram, {@code <replyPrefix><payload>} ({@code "<event-loop thread
 * name>: "} by default), sent back to the sender's address: RFC 862's echo service in its datagram form, with the reply
 * prefix of the TCP server.
 *
 * <p>A socket belongs to the event loop of the verticle that opened it. Several instances bind one port with
 * {@code SO_REUSEPORT} (native transports only), and the kernel spreads senders over them by their address and port, so
 * the thread in a reply names the event loop that served it, as it does for TCP.
 *
 * <p>Memory stays bounded under a flood although Vert.x 5's {@link DatagramSocket} is no longer a {@code ReadStream}
 * and cannot be paused: Vert.x reads one datagram per socket per event-loop turn and hands it to {@link #received}
 * synchronously, which answers or drops it at once, so nothing queues in the JVM on the way in; the kernel's receive
 * buffer ({@code SO_RCVBUF}) holds the rest and drops what does not fit. On the way out, a socket keeps at most
 * {@link #MAX_SENDS_IN_FLIGHT} replies that the kernel has not taken yet, and drops further replies as
 * {@code send_queue_full}; the {@link ReflectionGuard}'s rates bound the rest.
 */
final class UdpEchoVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(UdpEchoVerticle.class);

  /** Replies handed to Netty and not yet written to the kernel, per socket: 64 datagrams of at most 2 KB each. */
  static final int MAX_SENDS_IN_FLIGHT = 64;

  static final String TOO_LONG = "ERR datagram too long";

  private final EchoConfig config;
  private final UdpSockets sockets;
  private final boolean first;
  private final ReflectionGuard guard;
  private DatagramSocket socket;
  private Buffer replyPrefix;
  private final Buffer tooLong = Buffer.buffer(TOO_LONG);
  private UdpMetrics metrics;
  private int sendsInFlight;

  /** @param first whether this socket binds the configured port, which the others then join */
  UdpEchoVerticle(EchoConfig config, UdpSockets sockets, boolean first) {
    this.config = config;
    this.sockets = sockets;
    this.first = first;
    this.guard = sockets.guard();
  }

  @Override
  public Future<?> start() {
    String eventLoop = Thread.currentThread().getName();
    replyPrefix = Buffer.buffer(config.replyPrefixTemplate().render(config.nodeName(), eventLoop));
    metrics = new UdpMetrics(eventLoop);
    DatagramSocketOptions options = new DatagramSocketOptions()
      .setIpV6(config.host().contains(":"))
      .setReusePort(sockets.count() > 1);
    socket = vertx.createDatagramSocket(options)
      .handler(this::received)
      .exceptionHandler(failure -> log.debug("UDP socket failed: {}", failure.toString()));
    Future<Integer> port = first ? Future.succeededFuture(config.udp().portFor(config.port())) : sockets.port();
    return port
      .compose(bindTo -> socket.listen(bindTo, config.host()))
      .onSuccess(bound -> {
        if (first) {
          sockets.firstBound(bound.localAddress().port());
        }
        sockets.listening(metrics);
      })
      .recover(failure -> {
        if (failure instanceof InvalidConfigException) {
          // The first socket's failure, seen by the others: it is already the one line to show.
          return Future.failedFuture(failure);
        }
        // One line an operator can act on ("Address already in use"), not a bind stack trace.
        InvalidConfigException cannotListen = new InvalidConfigException("cannot listen on UDP " + config.host() + ":"
          + config.udp().portFor(config.port()) + ": " + failure);
        if (first) {
          sockets.firstFailed(cannotListen);
        }
        return Future.failedFuture(cannotListen);
      });
  }

  /**
   * {@code /ready} turns 503 at once; the socket keeps answering for {@code shutdownDelaySeconds}, as the TCP listener
   * keeps accepting, so a load balancer takes the node out first; then it closes (UDP has no connections to drain).
   */
  @Override
  public Future<?> stop() {
    boolean speaker = sockets.shuttingDown();
    int delay = config.shutdownDelaySeconds();
    Future<?> delayed = delay == 0 ? Future.succeededFuture() : vertx.timer(delay, TimeUnit.SECONDS);
    return delayed
      .compose(elapsed -> {
        if (speaker) {
          log.info("echoloop UDP shutting down: closing {} socket{}", sockets.count(), sockets.count() == 1 ? "" : "s");
        }
        return socket.close();
      })
      .onComplete(closed -> sockets.stopped());
  }

  private void received(DatagramPacket packet) {
    metrics.received();
    SocketAddress sender = packet.sender();
    Drop drop = sendsInFlight >= MAX_SENDS_IN_FLIGHT
      ? Drop.SEND_QUEUE_FULL
      : guard.admit(sender.hostAddress(), sender.port(), System.nanoTime());
    if (drop != null) {
      metrics.dropped(drop);
      return;
    }
    Buffer payload = packet.data();
    Buffer reply;
    if (replyPrefix.length() + payload.length() > config.udp().maxDatagramBytes()) {
      metrics.tooLong();
      reply = tooLong;
    } else {
      reply = Buffer.buffer(replyPrefix.length() + payload.length()).appendBuffer(replyPrefix).appendBuffer(payload);
    }
    sendsInFlight++;
    // The sender's address is an IP literal, so Vert.x resolves it without a DNS query.
    socket.send(reply, sender.port(), sender.hostAddress()).onComplete(sent -> {
      sendsInFlight--;
      metrics.replied();
    }, failure -> {
      sendsInFlight--;
      metrics.dropped(Drop.SEND_FAILED);
      log.debug("UDP reply to {} failed: {}", sender, failure.toString());
    });
  }
}
