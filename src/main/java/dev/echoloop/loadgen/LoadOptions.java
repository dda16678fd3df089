package dev.echoloop.loadgen;

import dev.echoloop.config.ReplyPrefix;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The validated settings of one run.
 *
 * @param size        request size for rr, idle and udp, write size for stream, 0 for cpr
 * @param pipeline    rr requests in flight per connection; 1 is ping-pong
 * @param reconnect   reopen a connection the server closed and send its unanswered requests again (rr, cpr)
 * @param replyPrefix the server's {@code replyPrefix}: what replies start with, and where they name their node
 * @param proxyHeader send this PROXY protocol header first on every connection, or none
 * @param timeoutMillis how long a reply may take before it counts as a timeout (ms): udp then sends the next
 *                      datagram, rr and cpr keep waiting and count the reply as late
 */
record LoadOptions(
    Mode mode,
    String host,
    int port,
    int connections,
    int size,
    int durationSeconds,
    int warmupSeconds,
    Optional<Path> jsonFile,
    String label,
    int eventLoops,
    int pipeline,
    boolean reconnect,
    ReplyPrefix replyPrefix,
    Optional<ProxyHeader.Version> proxyHeader,
    int timeoutMillis) {
}
