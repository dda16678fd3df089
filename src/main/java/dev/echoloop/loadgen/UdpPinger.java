package dev.echoloop.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * One udp socket: sends a datagram, waits for its reply or the timeout, sends the next, until the measurement window
 * closes. A reply that comes after its timeout is counted as late, not as an error: UDP loses and reorders by design,
 * and echoloop drops replies on purpose when a source exceeds its rate. Everything but construction runs on its
 * event loop.
 */
final class UdpPinger {

  private final int id;
  private final RequestMessage message;
  private final int timeoutMillis;
  private final MeasurementWindow window;
  private final LatencyRecorder latencies;
  private final Counters counters;
  private final ErrorTally errors;
  private final Promise<Void> finished = Promise.promise();
  private Vertx vertx;
  private DatagramSocket socket;
  private String host;
  private int port;
  private long sentAtNanos;
  private long timer = -1;

  /** The counts every socket of a run adds to. */
  record Counters(LongAdder replies, LongAdder sent, LongAdder timeouts, LongAdder late) {
    Counters() {
      this(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
    }
  }

  UdpPinger(int id, int size, int timeoutMillis, MeasurementWindow window, LatencyRecorder latencies,
      Counters counters, ErrorTally errors) {
    this.id = id;
    this.message = new RequestMessage(id, size);
    this.timeoutMillis = timeoutMillis;
    this.window = window;
    this.latencies = latencies;
    this.counters = counters;
    this.errors = errors;
  }

  /** Binds an ephemeral port on the server's loopback address; call on the socket's event loop. */
  Future<Void> open(Vertx vertx, String host, int port) {
    this.vertx = vertx;
    this.host = host;
    this.port = port;
    socket = vertx.createDatagramSocket(new DatagramSocketOptions().setIpV6(host.contains(":")));
    socket.handler(this::onReply);
    return socket.listen(0, host).mapEmpty();
  }

  /** Starts sending; the future completes at the first reply or timeout after the window closed. */
  Future<Void> start() {
    send();
    return finished.future();
  }

  Future<Void> close() {
    return socket.close();
  }

  private void send() {
    sentAtNanos = System.nanoTime();
    if (window.isOpen()) {
      counters.sent().increment();
    }
    socket.send(message.wire(), port, host).onFailure(failure -> errors.record("socket " + id + ": send", failure));
    timer = vertx.setTimer(timeoutMillis, fired -> {
      timer = -1;
      if (window.isOpen()) {
        counters.timeouts().increment();
      }
      next();
    });
  }

  private void onReply(DatagramPacket packet) {
    byte[] data = packet.data().getBytes();
    int start = data.length - message.bytes().length;
    boolean prefixed = start >= 2 && data[start - 2] == ':' && data[start - 1] == ' ';
    byte[] expected = message.bytes();
    if (timer != -1 && prefixed && Arrays.equals(data, start, data.length, expected, 0, expected.length)) {
      long repliedAtNanos = System.nanoTime();
      vertx.cancelTimer(timer);
      timer = -1;
      if (window.isOpen()) {
        latencies.record(sentAtNanos, repliedAtNanos);
        counters.replies().increment();
      }
      next();
    } else if (prefixed && message.isOtherSequence(data, start, data.length - start)) {
      if (window.isOpen()) {
        counters.late().increment();
      }
    } else {
      errors.record("socket " + id + ": unexpected reply \"" + new String(data, StandardCharsets.ISO_8859_1).strip() + "\"");
    }
  }

  private void next() {
    if (window.isClosed()) {
      finished.tryComplete();
    } else {
      message.advance();
      send();
    }
  }
}
