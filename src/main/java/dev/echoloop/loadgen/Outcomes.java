package dev.echoloop.loadgen;

/**
 * What happened to requests besides a correct reply, each counted apart so a run against a misbehaving server says
 * what it saw.
 *
 * @param sent     requests sent in the measurement window
 * @param timeouts requests that got no reply within {@code --timeout-ms}
 * @param late     replies that arrived after their request had timed out
 */
record Outcomes(long sent, long timeouts, long late) {

  static final Outcomes NONE = new Outcomes(0, 0, 0);
}
