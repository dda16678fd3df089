package dev.echoloop.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Faults injected on purpose on the TCP echo port, for testing what sits in front of a server (load balancers, retries,
 * timeouts): the {@code faults} object of the configuration. All off by default; several may be on at once.
 *
 * @param delayMillis        every reply is held this long, in ms, before it is written; replies stay in order
 * @param delayJitterMillis  up to this many ms more, drawn uniformly for each delayed reply
 * @param delayProbability   the share of replies that are delayed, 0 to 1
 * @param closeAfterMessages after this many replies the connection is closed; 0 never
 * @param closeWith          how: an orderly close (a FIN) or a reset (an RST, SO_LINGER 0)
 * @param stallAfterBytes    after this many bytes received the connection is neither read nor answered again, but kept
 *                           open (a black hole) until the client leaves or the server shuts down; -1 never
 * @param refuseProbability  the share of new connections reset at once, before any byte, 0 to 1
 * @param banner             a line sent first on every connection (the server speaks first); empty for none
 */
public record FaultConfig(
  int delayMillis,
  int delayJitterMillis,
  double delayProbability,
  int closeAfterMessages,
  CloseWith closeWith,
  long stallAfterBytes,
  double refuseProbability,
  String banner) {

  /** How {@code closeAfterMessages} ends a connection: the {@code faults.closeWith} key. */
  public enum CloseWith {
    FIN, RST
  }

  /**
   * @throws InvalidConfigException for a banner with a line break, which would make it two lines, or the start of a
   *                                reply
   */
  public FaultConfig {
    if (banner.indexOf('\n') >= 0 || banner.indexOf('\r') >= 0) {
      throw new InvalidConfigException("invalid configuration: faults.banner must be one line, without \\n or \\r");
    }
  }

  public boolean delays() {
    return (delayMillis > 0 || delayJitterMillis > 0) && delayProbability > 0;
  }

  public boolean closes() {
    return closeAfterMessages > 0;
  }

  public boolean stalls() {
    return stallAfterBytes >= 0;
  }

  public boolean refuses() {
    return refuseProbability > 0;
  }

  /** Any fault on; the banner alone misbehaves in no way and does not count. */
  public boolean active() {
    return delays() || closes() || stalls() || refuses();
  }

  /** The active faults in words, for the start line: {@code "delay 200 ms + up to 50 ms on 50% of replies; ..."}. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    if (delays()) {
      parts.add("delay " + delayMillis + " ms" + (delayJitterMillis > 0 ? " + up to " + delayJitterMillis + " ms" : "")
        + " on " + percent(delayProbability) + " of replies");
    }
    if (closes()) {
      parts.add((closeWith == CloseWith.RST ? "reset" : "close") + " after " + closeAfterMessages + " message"
        + (closeAfterMessages == 1 ? "" : "s"));
    }
    if (stalls()) {
      parts.add("stall after " + stallAfterBytes + " bytes");
    }
    if (refuses()) {
      parts.add("refuse " + percent(refuseProbability) + " of connections");
    }
    return String.join("; ", parts);
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.4g%%", share * 100).replaceAll("\\.?0+%$", "%");
  }
}
