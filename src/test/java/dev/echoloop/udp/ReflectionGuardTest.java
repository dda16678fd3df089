package dev.echoloop.udp;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.UdpConfig;
import dev.echoloop.ops.UdpMetrics.Drop;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The guard's decisions on a clock the test moves, so every count is exact. */
class ReflectionGuardTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void oneSourceGetsItsBurstThenItsSteadyRate() {
    ReflectionGuard guard = new ReflectionGuard(udp(10, 5, 1_000_000, 100), 0);
    assertThat(answered(guard, "127.0.0.1", 40_000, 1_000, 0)).isEqualTo(5);
    // A tenth of a second later, one more reply at 10 per second.
    assertThat(answered(guard, "127.0.0.1", 40_001, 1_000, SECOND / 10)).isEqualTo(1);
    assertThat(guard.admit("127.0.0.1", 40_000, SECOND / 10)).isEqualTo(Drop.SOURCE_RATE);
    // Idle long enough, the burst is back.
    assertThat(answered(guard, "127.0.0.1", 40_000, 1_000, 10 * SECOND)).isEqualTo(5);
  }

  @Test
  void sourcesAreLimitedSeparately() {
    ReflectionGuard guard = new ReflectionGuard(udp(10, 5, 1_000_000, 100), 0);
    assertThat(answered(guard, "10.0.0.1", 40_000, 100, 0)).isEqualTo(5);
    assertThat(answered(guard, "10.0.0.2", 40_000, 100, 0)).isEqualTo(5);
  }

  @Test
  void sourcePortsBelow1024AreNeverAnswered() {
    ReflectionGuard guard = new ReflectionGuard(udp(10, 5, 1_000_000, 100), 0);
    for (int port : new int[] {0, 7, 13, 19, 37, 1023}) {
      assertThat(guard.admit("127.0.0.1", port, 0)).isEqualTo(Drop.PRIVILEGED_PORT);
    }
    assertThat(guard.admit("127.0.0.1", 1024, 0)).isNull();
  }

  @Test
  void theGlobalCapHoldsAcrossSources() {
    // 100 per second in all, so a burst of 10; every source could take 1000.
    ReflectionGuard guard = new ReflectionGuard(udp(1000, 1000, 100, 10_000), 0);
    int answered = 0;
    for (int source = 0; source < 50; source++) {
      answered += answered(guard, "10.0.0." + source, 40_000, 10, 0);
    }
    assertThat(answered).isEqualTo(10);
    assertThat(guard.admit("10.0.1.1", 40_000, 0)).isEqualTo(Drop.GLOBAL_RATE);
  }

  @Test
  void theSourceTableStaysBoundedAndNeverForgetsAnActiveSource() {
    ReflectionGuard guard = new ReflectionGuard(udp(10, 2, 1_000_000, 3), 0);
    assertThat(answered(guard, "10.0.0.1", 40_000, 10, 0)).isEqualTo(2);
    assertThat(guard.admit("10.0.0.2", 40_000, 0)).isNull();
    assertThat(guard.admit("10.0.0.3", 40_000, 0)).isNull();
    // All three are still paying off their replies: a fourth cannot be tracked, and 10.0.0.1 stays limited.
    assertThat(guard.admit("10.0.0.4", 40_000, 0)).isEqualTo(Drop.SOURCE_TABLE_FULL);
    assertThat(guard.admit("10.0.0.1", 40_000, 0)).isEqualTo(Drop.SOURCE_RATE);
    assertThat(guard.trackedSources()).isEqualTo(3);
    // A second later every bucket is full again, so the idlest source is forgotten to make room.
    assertThat(guard.admit("10.0.0.4", 40_000, SECOND)).isNull();
    assertThat(guard.trackedSources()).isEqualTo(3);
  }

  private static int answered(ReflectionGuard guard, String address, int port, int datagrams, long nowNanos) {
    int answered = 0;
    for (int i = 0; i < datagrams; i++) {
      if (guard.admit(address, port, nowNanos) == null) {
        answered++;
      }
    }
    return answered;
  }

  private static UdpConfig udp(int perSource, int burst, int global, int maxSources) {
    return EchoConfig.fromJson(new JsonObject().put("udp", new JsonObject()
      .put("maxRepliesPerSecondPerSource", perSource)
      .put("burstPerSource", burst)
      .put("maxRepliesPerSecond", global)
      .put("maxSources", maxSources))).udp();
  }
}
