package dev.echoloop.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Optional;
import java.util.OptionalDouble;
import dev.echoloop.config.ReplyPrefix;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The load generator tells when it, not the server, was the limit of a run (issue 10). */
@ExtendWith(VertxExtension.class)
class LoadBoundTest {

  private static final LoadOptions ONE_LOOP =
      new LoadOptions(Mode.RR, "127.0.0.1", 7007, 64, 64, 1, 0, Optional.empty(), "", 1, 1, false,
          ReplyPrefix.defaults(), Optional.empty(), 1000);

  @Test
  void aRunUsingMoreThanNinetyPercentOfItsCoreIsMarkedLoadBound() {
    BenchResult result = rrResult(OptionalDouble.of(0.97));

    assertThat(result.loadBound()).isTrue();
    assertThat(result.summary()).contains("load generator CPU 97% (LOAD-BOUND)");
    assertThat(result.loadBoundWarning()).hasValueSatisfying(line -> assertThat(line).startsWith("LOAD-BOUND"));
    assertThat(result.toJson().getBoolean("loadBound")).isTrue();
    assertThat(result.toJson().getDouble("loadgenCpu")).isEqualTo(0.97);
  }

  @Test
  void aRunWithCpuToSpareIsNotLoadBound() {
    BenchResult result = rrResult(OptionalDouble.of(0.6));

    assertThat(result.loadBound()).isFalse();
    assertThat(result.summary()).contains("load generator CPU 60%").doesNotContain("LOAD-BOUND");
    assertThat(result.loadBoundWarning()).isEmpty();
  }

  @Test
  void anUnknownCpuTimeIsSaidAndNeverCountsAsLoadBound() {
    BenchResult result = rrResult(OptionalDouble.empty());

    assertThat(result.loadBound()).isFalse();
    assertThat(result.summary()).contains("load generator CPU unknown");
    assertThat(result.toJson().getValue("loadgenCpu")).isNull();
  }

  @Test
  void theWindowDividesTheCpuTimeItSawByItsWallTime(Vertx vertx, VertxTestContext context) {
    // Half a second of CPU over a one-second window: half a core.
    AtomicInteger reads = new AtomicInteger();
    MeasurementWindow window = new MeasurementWindow(() -> reads.getAndIncrement() == 0 ? 1_000_000_000L : 1_500_000_000L);

    window.schedule(vertx, 0, 1).onComplete(context.succeeding(closed -> context.verify(() -> {
      assertThat(reads).hasValue(2);
      assertThat(window.cpuShare()).isPresent();
      // Exactly the CPU time over the wall time the window measured: a timer that fires late on a busy machine makes
      // the window longer, never the arithmetic wrong.
      assertThat(window.elapsedSeconds()).isGreaterThanOrEqualTo(0.99);
      assertThat(window.cpuShare().getAsDouble()).isCloseTo(0.5 / window.elapsedSeconds(), within(1e-9));
      context.completeNow();
    })));
  }

  private static BenchResult rrResult(OptionalDouble cpuShare) {
    return new BenchResult(ONE_LOOP, 1000, 1000.0, 0, LatencySummary.NONE, 0, 0, 0, 0, Optional.empty(), cpuShare,
        Optional.empty(), Optional.empty());
  }
}
