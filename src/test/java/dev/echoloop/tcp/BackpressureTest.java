package dev.echoloop.tcp;

import dev.echoloop.testing.TestConfigs;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that writes without reading must not make the server buffer without bound: the server stops reading while
 * its replies are not taken, so the client's own writes stall; and once the client reads, every byte comes back.
 */
@ExtendWith(VertxExtension.class)
class BackpressureTest {

  private static final long TOTAL_BYTES = 128L * 1024 * 1024;
  private static final long STALL_BOUND_BYTES = 48L * 1024 * 1024;
  /** Bytes the thread-name prefix never contains, so the payload can be picked out of the replies. */
  private static final byte[] ALPHABET = "#%+=~!^".getBytes();

  @Test
  void nonReadingClientStallsAndThenGetsEveryByteBackInOrder(Vertx vertx, VertxTestContext ctx) {
    Checkpoint stalled = ctx.checkpoint();
    Checkpoint everyByteBack = ctx.checkpoint();
    NetClient client = vertx.createNetClient();
    TcpServerDeployment.deploy(vertx, TestConfigs.loopback(1))
      .compose(server -> client.connect(server.port(), "127.0.0.1"))
      .onComplete(ctx.succeeding(socket -> {
        Writer writer = new Writer(socket);
        socket.pause();
        writer.writeUntilStalled();
        // Give a server without backpressure ample time to swallow everything; this one must hold the client back.
        vertx.setTimer(1500, checked -> {
          ctx.verify(() -> assertThat(writer.written).isLessThan(STALL_BOUND_BYTES));
          stalled.flag();
          long sent = writer.written;
          writer.stop();
          Reader reader = new Reader();
          socket.handler(chunk -> {
            reader.take(chunk);
            if (reader.payloadBytes == sent) {
              socket.close().onComplete(ctx.succeeding(closed -> everyByteBack.flag()));
            } else if (reader.payloadBytes > sent || reader.mismatch) {
              ctx.failNow("payload came back altered after " + reader.payloadBytes + " bytes");
            }
          });
          socket.resume();
          ctx.verify(() -> assertThat(client).isNotNull());
        });
      }));
  }

  private static byte payloadByte(long index) {
    return ALPHABET[(int) ((index * 7 + index / 13) % ALPHABET.length)];
  }

  private static final class Writer {
    private final NetSocket socket;
    private final Buffer chunk = Buffer.buffer(16 * 1024);
    private long written;
    private boolean stopped;

    Writer(NetSocket socket) {
      this.socket = socket;
    }

    void writeUntilStalled() {
      while (!stopped && written < TOTAL_BYTES && !socket.writeQueueFull()) {
        Buffer next = Buffer.buffer(16 * 1024);
        for (int i = 0; i < 16 * 1024; i++) {
          next.appendByte(payloadByte(written + i));
        }
        socket.write(next);
        written += next.length();
      }
      if (!stopped && written < TOTAL_BYTES) {
        socket.drainHandler(drained -> writeUntilStalled());
      }
    }

    void stop() {
      stopped = true;
    }
  }

  private static final class Reader {
    private long payloadBytes;
    private boolean mismatch;

    void take(Buffer chunk) {
      for (int i = 0; i < chunk.length(); i++) {
        byte b = chunk.getByte(i);
        if (isPayload(b)) {
          mismatch |= b != payloadByte(payloadBytes);
          payloadBytes++;
        }
      }
    }

    private static boolean isPayload(byte b) {
      for (byte a : ALPHABET) {
        if (a == b) {
          return true;
        }
      }
      return false;
    }
  }
}
