package dev.echoloop.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * Switches the console log to one JSON object per line, for log shippers, when {@code logFormat} asks for it. The
 * configuration is only known after Logback has started ({@link DefaultLogging} or a {@code logback.xml}), so the
 * switch is made here.
 */
public final class LogFormats {

  private LogFormats() {
  }

  public static void useJson() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> json = new ConsoleAppender<>();
    json.setName("JSON");
    json.setContext(context);
    json.setEncoder(encoder);
    json.start();
    // Behind the same bounded, never-blocking queue as the text lines: JSON goes to the same stdout that can stall.
    NeverBlockingAppender async = new NeverBlockingAppender();
    async.setName("ASYNC");
    async.setContext(context);
    async.setQueueSize(DefaultLogging.QUEUE_SIZE);
    async.setMaxFlushTime(DefaultLogging.MAX_FLUSH_MILLIS);
    async.addAppender(json);
    async.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.addAppender(async);
  }
}
