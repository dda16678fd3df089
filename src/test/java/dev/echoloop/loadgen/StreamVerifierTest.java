package dev.echoloop.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** The stream check must survive any TCP split and still catch a changed byte or a missing prefix. */
class StreamVerifierTest {

  private static final int CHUNK = 1000;

  private final StreamPattern pattern = new StreamPattern(7, CHUNK);

  @Test
  void acceptsRepliesSplitAndMergedAnywhere() {
    Buffer echoed = Buffer.buffer();
    for (int offset = 0; offset < 200 * CHUNK; offset += CHUNK) {
      echoed.appendString("vert.x-eventloop-thread-0: ").appendBuffer(pattern.chunk(offset % StreamPattern.PERIOD, CHUNK));
    }
    StreamVerifier verifier = new StreamVerifier(pattern);

    int payload = 0;
    for (int start = 0, step = 1; start < echoed.length(); start += step, step = step * 7 % 4093 + 1) {
      payload += verifier.onChunk(echoed.slice(start, Math.min(start + step, echoed.length())));
    }

    assertThat(verifier.failure()).isEmpty();
    assertThat(payload).isEqualTo(200 * CHUNK);
    assertThat(verifier.payloadBytes()).isEqualTo(200 * CHUNK);
  }

  @Test
  void reportsAChangedByteOnceAndKeepsCounting() {
    Buffer payload = pattern.chunk(0, CHUNK).copy();
    payload.setByte(500, (byte) (payload.getByte(500) == '%' ? '+' : '%'));
    StreamVerifier verifier = new StreamVerifier(pattern);

    verifier.onChunk(Buffer.buffer("Thread-3: ").appendBuffer(payload));

    assertThat(verifier.failure()).hasValueSatisfying(failure -> assertThat(failure).contains("byte 500 differs"));
    assertThat(verifier.payloadBytes()).isEqualTo(CHUNK);
  }

  @Test
  void reportsPayloadWithoutAPrefix() {
    StreamVerifier verifier = new StreamVerifier(pattern);

    verifier.onChunk(pattern.chunk(0, CHUNK));

    assertThat(verifier.failure()).hasValueSatisfying(failure -> assertThat(failure).contains("not preceded"));
  }
}
