package dev.echoloop.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The batched hand-over keeps what an {@code AsyncAppender} keeps: each line's thread, its order, and nothing lost at stop. */
class NeverBlockingAppenderTest {

  private final LoggerContext context = new LoggerContext();
  private final ListAppender<ILoggingEvent> output = new ListAppender<>();
  private final NeverBlockingAppender appender = new NeverBlockingAppender();
  private Logger logger;

  @BeforeEach
  void start() {
    context.setMDCAdapter(new LogbackMDCAdapter());
    output.setContext(context);
    output.start();
    appender.setContext(context);
    appender.setQueueSize(64);
    appender.addAppender(output);
    appender.start();
    logger = context.getLogger("test");
    logger.setAdditive(false);
    logger.addAppender(appender);
  }

  @AfterEach
  void stop() {
    context.stop();
  }

  @Test
  void linesKeepTheThreadThatLoggedThemAndTheirOrder() throws Exception {
    Thread eventLoop = new Thread(() -> {
      for (int i = 1; i <= 3; i++) {
        logger.info("line {}", i);
      }
    }, "vert.x-eventloop-thread-7");
    eventLoop.start();
    eventLoop.join(10_000);

    await().until(() -> output.list.size() == 3);

    assertThat(output.list).extracting(ILoggingEvent::getThreadName).containsOnly("vert.x-eventloop-thread-7");
    assertThat(output.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly("line 1", "line 2", "line 3");
  }

  @Test
  void stoppingWritesOutWhatWasStillStaged() {
    for (int i = 1; i <= 10; i++) {
      logger.info("line {}", i);
    }

    appender.stop();

    List<String> written = output.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(written).hasSize(10).startsWith("line 1").endsWith("line 10");
    assertThat(appender.droppedCount()).isZero();
  }

  @Test
  void moreThanTheQueueCanHoldIsDroppedAndCountedNotWaitedFor() {
    for (int i = 1; i <= 200; i++) {
      logger.info("line {}", i);
    }

    appender.stop();

    assertThat(appender.droppedCount()).isPositive();
    assertThat(output.list.size() + appender.droppedCount()).isEqualTo(200);
  }
}
