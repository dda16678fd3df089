package dev.echoloop.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;

/**
 * Test-side reading of echoloop replies, which TCP may split: a reply is complete once it ends with the message.
 *
 * <p>Keep the {@code NetClient} a socket came from reachable until the test is done: Vert.x 5 closes a client, and its
 * connections, once the client object is garbage collected.
 */
public final class Replies {

  private Replies() {
  }

  /** Sends {@code message} and completes with the whole reply, prefix included. */
  public static Future<Buffer> exchange(NetSocket socket, Buffer message) {
    Promise<Buffer> reply = Promise.promise();
    awaitEndingWith(socket, message).onComplete(reply::tryComplete, reply::tryFail);
    socket.write(message).onFailure(reply::tryFail);
    return reply.future();
  }

  public static Future<Buffer> awaitEndingWith(NetSocket socket, Buffer tail) {
    Promise<Buffer> reply = Promise.promise();
    Buffer received = Buffer.buffer();
    socket.handler(chunk -> {
      received.appendBuffer(chunk);
      if (endsWith(received, tail)) {
        reply.tryComplete(received);
      }
    });
    socket.closeHandler(closed -> reply.tryFail("closed after " + received.length() + " bytes: " + received));
    return reply.future();
  }

  /** The thread name a reply starts with: everything before the first {@code ": "}. */
  public static String threadName(Buffer reply) {
    String text = reply.toString(StandardCharsets.ISO_8859_1);
    return text.substring(0, text.indexOf(": "));
  }

  public static boolean endsWith(Buffer data, Buffer tail) {
    int offset = data.length() - tail.length();
    return offset >= 0 && data.getBuffer(offset, data.length()).equals(tail);
  }
}
