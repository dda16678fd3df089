package dev.echoloop.loadgen;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts errors from every event loop and keeps the first one's description for the final report. */
final class ErrorTally {

  private static final Logger log = LoggerFactory.getLogger(ErrorTally.class);

  private final LongAdder count = new LongAdder();
  private final AtomicReference<String> first = new AtomicReference<>();

  void record(String description) {
    record(1, description);
  }

  void record(String what, Throwable cause) {
    record(1, what + ": " + describe(cause));
  }

  void record(long errors, String description) {
    count.add(errors);
    first.compareAndSet(null, description);
    log.debug("{} error(s): {}", errors, description);
  }

  long count() {
    return count.sum();
  }

  Optional<String> first() {
    return Optional.ofNullable(first.get());
  }

  /** The failure's type and message ({@code getMessage()} alone may be null); Netty's include the address. */
  static String describe(Throwable cause) {
    String message = cause.getMessage();
    String type = cause.getClass().getSimpleName();
    return message == null || message.isBlank() ? type : type + ": " + message;
  }
}
