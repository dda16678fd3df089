package dev.echoloop.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/** The events one logger (and its children) writes while a test runs; detached again on close. */
public final class CapturedLog implements AutoCloseable {

  private final Logger logger;
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();

  private CapturedLog(String name) {
    logger = (Logger) LoggerFactory.getLogger(name);
    events.start();
    logger.addAppender(events);
  }

  public static CapturedLog of(String loggerName) {
    return new CapturedLog(loggerName);
  }

  public static CapturedLog of(Class<?> loggerClass) {
    return new CapturedLog(loggerClass.getName());
  }

  /** The formatted messages at {@code level}, in order. */
  public List<String> messages(Level level) {
    // ListAppender appends while holding its own lock (AppenderBase.doAppend is synchronized).
    synchronized (events) {
      return events.list.stream().filter(event -> event.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  public long count(Level level, String containing) {
    return messages(level).stream().filter(message -> message.contains(containing)).count();
  }

  @Override
  public void close() {
    logger.detachAppender(events);
  }
}
