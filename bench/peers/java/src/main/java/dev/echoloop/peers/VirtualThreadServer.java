package dev.echoloop.peers;

import java.io.IOException;

/** Echoes each chunk as {@code "<thread>: <chunk>"} on a virtual thread per connection (JDK 21+). */
public final class VirtualThreadServer {

  public static void main(String[] args) throws IOException {
    // Virtual threads are unnamed by default, and the name is the protocol.
    BlockingEchoServer.run(PeerArgs.parse(args), Thread.ofVirtual().name("virtual-", 1).factory());
  }
}
