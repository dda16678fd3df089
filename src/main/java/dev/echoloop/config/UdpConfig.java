package dev.echoloop.config;

/**
 * UDP echo (RFC 862's datagram form) beside the TCP port, with the safeguards a reflector on the open internet needs: the
 * {@code udp} object of the configuration.
 *
 * @param enabled                      serve UDP at all; off by default, as an open UDP echo can be abused for reflection
 * @param port                         the UDP port; {@link #SAME_AS_TCP} (the default) takes the TCP {@code port}, 0 picks
 *                                     a free one
 * @param maxDatagramBytes             the longest reply, in bytes; a request whose reply would be longer is answered
 *                                     {@code ERR datagram too long}. At most 2047 (the schema's maximum): Netty reads a
 *                                     datagram into a 2,048-byte buffer (its {@code FixedRecvByteBufAllocator} default)
 *                                     and cuts a longer one, so a reply limit below that size is what tells a cut
 *                                     datagram from a whole one
 * @param maxRepliesPerSecondPerSource replies per second to one source address, all its ports together
 * @param burstPerSource               replies one source address may get at once, above its steady rate
 * @param maxRepliesPerSecond          replies per second from the whole server, every source together
 * @param maxSources                   source addresses the rate limiter remembers at once; it is a bounded table
 */
public record UdpConfig(
  boolean enabled,
  int port,
  int maxDatagramBytes,
  int maxRepliesPerSecondPerSource,
  int burstPerSource,
  int maxRepliesPerSecond,
  int maxSources) {

  /** The {@code udp.port} default: whatever the TCP {@code port} is. */
  public static final int SAME_AS_TCP = -1;

  /** The port to bind, given the TCP port from the same configuration. */
  public int portFor(int tcpPort) {
    return port == SAME_AS_TCP ? tcpPort : port;
  }
}
