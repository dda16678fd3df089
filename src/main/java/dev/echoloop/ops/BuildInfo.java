package dev.echoloop.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The {@code echoloop_build_info} gauge: always 1, labelled with the version and the node name, the Prometheus
 * convention for facts about a process. A fleet dashboard joins it on {@code instance} to tell which version each node
 * runs, during a rolling upgrade for instance.
 */
public final class BuildInfo {

  private static final String RESOURCE = "build.properties";

  private BuildInfo() {
  }

  /** This build's version, as Maven wrote it into {@code build.properties} (e.g. 0.1.0-SNAPSHOT), read once. */
  public static final String VERSION = readVersion();

  private static String readVersion() {
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path next to " + BuildInfo.class.getName());
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** Registers the gauge once per process; registering it again with the same labels returns the same gauge. */
  public static void register(MeterRegistry registry, String nodeName) {
    Gauge.builder("echoloop.build.info", () -> 1)
      .description("always 1; the labels say which version runs on which node")
      .tag("version", VERSION)
      .tag("node", nodeName)
      .register(registry);
  }
}
