package dev.echoloop.tcp;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What one echo server is doing at one moment, for the live view and {@code /connections}: its state, each event loop's
 * totals, and its busiest open connections. Each event loop reads its own part on its own thread when someone asks
 * ({@link TcpServerDeployment#snapshot}); nothing here is kept up to date per message. Payload bytes never appear.
 *
 * @param status      the server as a whole
 * @param loops       one entry per event loop, in the order of the threads' numbers
 * @param open        connections open across all event loops
 * @param connections the busiest open connections, most active first, at most the limit asked for
 */
public record ServerSnapshot(Status status, List<Loop> loops, int open, List<Connection> connections) {

  /** Most messages per second since the previous snapshot first, then most messages, then the oldest. */
  static final Comparator<Connection> MOST_ACTIVE = Comparator.comparingDouble(Connection::messagesPerSecond).reversed()
    .thenComparing(Comparator.comparingLong(Connection::messages).reversed())
    .thenComparing(Comparator.comparingLong(Connection::ageMillis).reversed());

  /**
   * The server as a whole.
   *
   * @param state          {@code starting}, {@code ready}, {@code draining} (a graceful shutdown is under way) or
   *                       {@code drained}
   * @param drainMillisLeft while draining, ms until the remaining connections are closed ({@code shutdownDelaySeconds}
   *                       plus {@code shutdownTimeoutSeconds} after the shutdown began); otherwise 0
   * @param acceptingMillisLeft while draining, ms the server still accepts new connections ({@code shutdownDelaySeconds},
   *                       while {@code /ready} already answers 503); otherwise 0
   * @param nodeName       the node's name, for telling fleet members apart
   * @param framing        {@code raw}, {@code line} or {@code length}
   * @param transport      {@code nio}, {@code epoll} or {@code io_uring}
   * @param instances      server verticle instances
   * @param tls            TLS on the echo port
   * @param proxyProtocol  every connection starts with a PROXY protocol header
   * @param faults         the faults injected on purpose, in words, or null when none is
   * @param uptimeMillis   ms since the first instance started
   */
  public record Status(String state, long drainMillisLeft, long acceptingMillisLeft, String nodeName, String framing, String transport,
                       int instances, boolean tls, boolean proxyProtocol, String faults, long uptimeMillis) {
  }

  /**
   * One event loop's totals since the server started, counting closed connections too, so a reader computes rates from
   * two snapshots.
   *
   * @param eventLoop  the thread's name, as in every reply
   * @param open       connections it serves now
   * @param heldBack   of those, connections whose reading is held back because they do not take their replies
   * @param messages   records answered (each is one message in and one reply out)
   * @param bytesIn    bytes read from clients, framing included
   * @param bytesOut   reply bytes written to the sockets
   * @param rejections refused connections and frames by reason ({@code busy}, {@code frame_too_long}...), non-zero only
   */
  public record Loop(String eventLoop, int open, int heldBack, long messages, long bytesIn, long bytesOut,
                     Map<String, Long> rejections) {
  }

  /**
   * One open connection. {@code client} and {@code peer} differ only behind a load balancer speaking the PROXY protocol:
   * the client is the address its header names, the peer is who connected (the balancer).
   *
   * @param client            the client's address and port
   * @param peer              the TCP peer's address and port
   * @param eventLoop         the event loop serving it
   * @param ageMillis         ms since it was accepted
   * @param bytesIn           bytes read from it, framing included
   * @param bytesOut          reply bytes written to it
   * @param bytesQueued       reply bytes waiting to be written (the client is not taking them)
   * @param messages          records answered
   * @param messagesPerSecond records answered per second since the previous snapshot (or since it opened)
   * @param state             {@code reading}, {@code held back} (backpressure), {@code draining}, {@code closing} (a
   *                          lingering close) or {@code faulted} (stalled by {@code faults.stallAfterBytes})
   * @param tlsVersion        the negotiated TLS version ({@code TLSv1.3}), empty without TLS
   */
  public record Connection(String client, String peer, String eventLoop, long ageMillis, long bytesIn, long bytesOut,
                           long bytesQueued, long messages, double messagesPerSecond, String state, String tlsVersion) {
  }
}
