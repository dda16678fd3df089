package dev.echoloop.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** A reply is complete at its newline and right only as {@code <any name>": "<the exact message>}. */
class ReplyMatcherTest {

  private final RequestMessage message = new RequestMessage(42, 64);
  private final ReplyMatcher matcher = new ReplyMatcher();

  @Test
  void acceptsAnyThreadNameBeforeTheMessageEvenWhenSplit() {
    matcher.expect(message.bytes());
    Buffer reply = Buffer.buffer("nioEventLoopGroup-2-1: ").appendBuffer(message.wire());

    assertThat(matcher.onChunk(reply.slice(0, 10))).isEqualTo(ReplyMatcher.Verdict.INCOMPLETE);
    assertThat(matcher.onChunk(reply.slice(10, 40))).isEqualTo(ReplyMatcher.Verdict.INCOMPLETE);
    assertThat(matcher.onChunk(reply.slice(40, reply.length()))).isEqualTo(ReplyMatcher.Verdict.MATCHED);
  }

  @Test
  void rejectsAReplyToTheMessageBeforeThisOne() {
    Buffer previous = message.wire().copy();
    message.advance();
    matcher.expect(message.bytes());

    assertThat(matcher.onChunk(Buffer.buffer("Thread-3: ").appendBuffer(previous)))
        .isEqualTo(ReplyMatcher.Verdict.MISMATCHED);
  }

  @Test
  void rejectsAMessageWithoutTheSeparator() {
    matcher.expect(message.bytes());

    assertThat(matcher.onChunk(Buffer.buffer("Thread-3 ").appendBuffer(message.wire())))
        .isEqualTo(ReplyMatcher.Verdict.MISMATCHED);
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
