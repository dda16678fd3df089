package dev.echoloop.ops;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar's logging setup, made in code to spare the start-up an XML parser, is the one {@code conf/logback.xml}
 * describes, which is what operators read and edit; and naming a file still makes Logback read it.
 */
class DefaultLoggingTest {

  @Test
  void codeSetsUpWhatConfLogbackXmlDescribes() throws Exception {
    LoggerContext fromXml = new LoggerContext();
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(fromXml);
    joran.doConfigure(new File("conf/logback.xml"));
    LoggerContext fromCode = new LoggerContext();
    DefaultLogging defaults = new DefaultLogging();
    defaults.setContext(fromCode);

    assertThat(defaults.configure(fromCode)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    try {
      assertThat(levels(fromCode)).isEqualTo(levels(fromXml)).containsEntry("io.netty", Level.WARN);
      assertThat(describe(fromCode)).isEqualTo(describe(fromXml))
        .containsExactly("ASYNC NeverBlockingAppender queue=1024 maxFlush=1000 neverBlock=true",
          "CONSOLE ConsoleAppender " + DefaultLogging.PATTERN);
    } finally {
      fromXml.stop();
      fromCode.stop();
    }
  }

  @Test
  void aFileNamedByLogbackConfigurationFileIsReadInstead() {
    String before = System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
    System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, "conf/logback.xml");
    LoggerContext context = new LoggerContext();
    try {
      DefaultLogging defaults = new DefaultLogging();
      defaults.setContext(context);
      assertThat(defaults.configure(context)).isEqualTo(ExecutionStatus.NEUTRAL);
      assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders()).isExhausted();
    } finally {
      if (before == null) {
        System.clearProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
      } else {
        System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, before);
      }
      context.stop();
    }
  }

  /** Every logger given a level, root included. */
  private static Map<String, Level> levels(LoggerContext context) {
    Map<String, Level> levels = new TreeMap<>();
    for (Logger logger : context.getLoggerList()) {
      if (logger.getLevel() != null) {
        levels.put(logger.getName(), logger.getLevel());
      }
    }
    return levels;
  }

  /** The root's appenders and those they feed, each with the settings that matter. */
  private static List<String> describe(LoggerContext context) {
    List<String> lines = new ArrayList<>();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      describe(it.next(), lines);
    }
    return lines;
  }

  private static void describe(Appender<ILoggingEvent> appender, List<String> lines) {
    if (appender instanceof NeverBlockingAppender async) {
      lines.add(async.getName() + " NeverBlockingAppender queue=" + async.getQueueSize() + " maxFlush="
        + async.getMaxFlushTime() + " neverBlock=" + async.isNeverBlock());
      for (Iterator<Appender<ILoggingEvent>> it = async.iteratorForAppenders(); it.hasNext(); ) {
        describe(it.next(), lines);
      }
    } else if (appender instanceof ConsoleAppender<ILoggingEvent> console
      && console.getEncoder() instanceof PatternLayoutEncoder encoder) {
      lines.add(console.getName() + " ConsoleAppender " + encoder.getPattern());
    } else {
      lines.add(appender.getName() + " " + appender.getClass().getName());
    }
  }
}
