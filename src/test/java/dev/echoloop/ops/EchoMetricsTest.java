package dev.echoloop.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class EchoMetricsTest {

  /** Under a Turkish default locale, "INVALID_FRAME".toLowerCase() is "ınvalıd_frame", a tag no dashboard matches. */
  @Test
  void rejectionReasonTagsStayAsciiUnderATurkishLocale() throws Exception {
    Locale previous = Locale.getDefault();
    Vertx vertx = Vertx.builder().with(Metrics.enable(new VertxOptions())).build();
    try {
      Locale.setDefault(Locale.forLanguageTag("tr-TR"));
      new EchoMetrics("test-loop", vertx.isMetricsEnabled());
      MeterRegistry registry = BackendRegistries.getDefaultNow();
      assertThat(registry.find("echoloop.rejected").tag("event_loop", "test-loop").counters())
        .extracting(counter -> counter.getId().getTag("reason"))
        .contains("invalid_frame", "idle_timeout")
        .allMatch(reason -> reason.matches("[a-z_]+"));
    } finally {
      Locale.setDefault(previous);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
