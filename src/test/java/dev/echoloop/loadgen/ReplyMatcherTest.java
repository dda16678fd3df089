package dev.echoloop.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.echoloop.config.ReplyPrefix;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** A reply is complete at its newline and right only as {@code <any prefix>": "<the exact message>}. */
class ReplyMatcherTest {

  private final RequestMessage message = new RequestMessage(42, 64);
  private final ReplyMatcher matcher = new ReplyMatcher(ReplyPrefix.defaults().separator());

  @Test
  void acceptsAnyThreadNameBeforeTheMessageEvenWhenSplit() {
    Buffer reply = Buffer.buffer("nioEventLoopGroup-2-1: ").appendBuffer(message.wire());

    matcher.append(reply.slice(0, 10));
    assertThat(matcher.next(message.bytes())).isEqualTo(ReplyMatcher.Verdict.INCOMPLETE);
    matcher.append(reply.slice(10, 40));
    assertThat(matcher.next(message.bytes())).isEqualTo(ReplyMatcher.Verdict.INCOMPLETE);
    matcher.append(reply.slice(40, reply.length()));
    assertThat(matcher.next(message.bytes())).isEqualTo(ReplyMatcher.Verdict.MATCHED);
    assertThat(matcher.lastPrefix()).isEqualTo("nioEventLoopGroup-2-1: ");
  }

  @Test
  void splitsPipelinedRepliesInOrderAndKeepsTheStartOfTheNext() {
    byte[] first = message.bytes().clone();
    Buffer firstWire = message.wire().copy();
    message.advance();
    Buffer both = Buffer.buffer("t-1: ").appendBuffer(firstWire).appendString("t-1: ").appendBuffer(message.wire());

    matcher.append(both.slice(0, both.length() - 5));
    assertThat(matcher.next(first)).isEqualTo(ReplyMatcher.Verdict.MATCHED);
    assertThat(matcher.next(message.bytes())).isEqualTo(ReplyMatcher.Verdict.INCOMPLETE);
    matcher.append(both.slice(both.length() - 5, both.length()));
    assertThat(matcher.next(message.bytes())).isEqualTo(ReplyMatcher.Verdict.MATCHED);
    assertThat(matcher.hasBytes()).isFalse();
  }

  @Test
  void findsTheNodeInATemplatedPrefix() {
    ReplyPrefix prefix = ReplyPrefix.parse("{node}/{thread}: ");
    ReplyMatcher templated = new ReplyMatcher(prefix.separator());

    templated.append(Buffer.buffer("node-2/vert.x-eventloop-thread-1: ").appendBuffer(message.wire()));

    assertThat(templated.next(message.bytes())).isEqualTo(ReplyMatcher.Verdict.MATCHED);
    assertThat(prefix.nodeIn(templated.lastPrefix())).contains("node-2");
  }

  @Test
  void rejectsAReplyToTheMessageBeforeThisOne() {
    Buffer previous = message.wire().copy();
    message.advance();

    matcher.append(Buffer.buffer("Thread-3: ").appendBuffer(previous));

    assertThat(matcher.next(message.bytes())).isEqualTo(ReplyMatcher.Verdict.MISMATCHED);
  }

  @Test
  void rejectsAMessageWithoutTheSeparator() {
    matcher.append(Buffer.buffer("Thread-3 ").appendBuffer(message.wire()));

    assertThat(matcher.next(message.bytes())).isEqualTo(ReplyMatcher.Verdict.MISMATCHED);
  }

  @Test
  void advancingChangesOnlyTheSequenceNumber() {
    String before = message.wire().toString();
    message.advance();

    assertThat(message.wire().toString())
        .hasSize(64)
        .endsWith("\n")
        .isNotEqualTo(before)
        .isEqualTo(new String(message.bytes(), java.nio.charset.StandardCharsets.US_ASCII))
        .startsWith("c000042 s00000001 ");
  }
}
