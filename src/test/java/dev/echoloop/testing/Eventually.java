package dev.echoloop.testing;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits, bounded, for a condition that the server reaches asynchronously (a close it has not processed yet): it checks
 * every few milliseconds rather than sleeping a guessed time, and fails with a clear message at the deadline.
 */
public final class Eventually {

  private static final long DEADLINE_SECONDS = 10;
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private Eventually() {
  }

  public static void holds(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition still false after " + DEADLINE_SECONDS + " s");
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }
}
