package dev.echoloop.peers;

import java.io.IOException;

/**
 * Echoes each chunk as {@code "<thread>: <chunk>"} on a platform thread per connection:
 * the seed's {@code ThreadingMixIn} design, written in Java.
 */
public final class ThreadPerConnectionServer {

  public static void main(String[] args) throws IOException {
    BlockingEchoServer.run(PeerArgs.parse(args), Thread.ofPlatform().daemon().name("Thread-", 1).factory());
  }
}
