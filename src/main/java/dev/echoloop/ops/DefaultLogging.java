package dev.echoloop.ops;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * Logback's setup when the operator names no file: the one {@code conf/logback.xml} describes, made in code.
 *
 * <p>Reading {@code logback.xml} loads Logback's XML configurator and the JDK's XML parser, about 500 classes and a
 * tenth of the demo's start-up on JDK 17, to set up one console appender. Logback finds this class through its
 * {@link Configurator} service ({@code META-INF/services}) before it looks for a file. It steps aside, and Logback
 * reads XML as usual, when {@code -Dlogback.configurationFile} names a file (an edited {@code conf/logback.xml}) or a
 * {@code logback-test.xml} or {@code logback.xml} is on the class path. {@code DefaultLoggingTest} keeps this
 * setup and {@code conf/logback.xml} equal.
 */
public final class DefaultLogging extends ContextAwareBase implements Configurator {

  /** The thread name is the point of echoloop: every line shows which event loop did the work. */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%n";

  /** The root level: a system property or environment variable of this name, as {@code logback.xml}'s substitution. */
  static final String LEVEL_VARIABLE = "ECHOLOOP_LOG_LEVEL";

  /** The never-blocking queue in front of the console, as {@code logback.xml} sizes it: events, and ms at stop. */
  static final int QUEUE_SIZE = 1024;
  static final int MAX_FLUSH_MILLIS = 1000;

  /** Logback's service loader instantiates it. */
  public DefaultLogging() {
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null
      || getClass().getClassLoader().getResource(ClassicConstants.TEST_AUTOCONFIG_FILE) != null
      || getClass().getClassLoader().getResource(ClassicConstants.AUTOCONFIG_FILE) != null) {
      return ExecutionStatus.NEUTRAL;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setName("CONSOLE");
    console.setContext(context);
    console.setEncoder(encoder);
    console.start();
    // Logging must never block an event loop: see NeverBlockingAppender.
    NeverBlockingAppender async = new NeverBlockingAppender();
    async.setName("ASYNC");
    async.setContext(context);
    async.setQueueSize(QUEUE_SIZE);
    async.setMaxFlushTime(MAX_FLUSH_MILLIS);
    async.addAppender(console);
    async.start();
    context.getLogger("io.netty").setLevel(Level.WARN);
    // Vert.x's Micrometer binding registers its event-bus gauge once per consumer, and Micrometer warns on every
    // repeat; the gauge itself is right, so the repeats are not worth an operator's attention.
    context.getLogger("io.micrometer.core.instrument.MeterRegistry").setLevel(Level.ERROR);
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(rootLevel(), Level.INFO));
    root.addAppender(async);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static String rootLevel() {
    String level = System.getProperty(LEVEL_VARIABLE);
    return level != null ? level : System.getenv(LEVEL_VARIABLE);
  }
}
