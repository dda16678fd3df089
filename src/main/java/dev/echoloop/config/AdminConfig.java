package dev.echoloop.config;

/**
 * The admin HTTP server for metrics and health, kept off the echo port so that port never speaks HTTP: the {@code admin}
 * object of the configuration.
 *
 * @param host               the address the admin server binds
 * @param port               its port; -1 disables it (and metrics collection), 0 picks a free one
 * @param finalScrapeSeconds after the drain, how long the admin server waits for one more scrape of {@code /metrics}
 *                           before it closes, so that Prometheus records the node's final counts; 0 closes it at once
 */
public record AdminConfig(String host, int port, int finalScrapeSeconds) {

  public static final int DISABLED = -1;

  public boolean enabled() {
    return port != DISABLED;
  }
}
