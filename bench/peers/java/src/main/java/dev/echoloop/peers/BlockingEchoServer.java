package dev.echoloop.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadFactory;

/**
 * Echoes each chunk as {@code "<thread>: <chunk>"} with a blocking socket and a thread per connection; the two
 * thread-per-connection peers differ only in the threads they give it.
 */
final class BlockingEchoServer {

  // Every blocked connection holds its buffer, idle or not: 16 KiB is the JDK's own
  // InputStream.transferTo size, where 64 KiB would cost 640 MB of heap for 10,000 idle clients.
  private static final int BUFFER_SIZE = 16 * 1024;

  private BlockingEchoServer() {
  }

  /** Accepts until the JVM shuts down, serving each connection on a new thread from {@code threads}. */
  static void run(PeerArgs options, ThreadFactory threads) throws IOException {
    ServerSocket server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(options.host(), options.port()), 4096);
    // Closing the listener unblocks accept(); connection threads are daemons (or virtual) and die with the JVM.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(server)));
    PeerArgs.announce(options.host(), server.getLocalPort());

    while (true) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (SocketException closed) {
        return;
      }
      threads.newThread(() -> serve(socket)).start();
    }
  }

  private static void serve(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      byte[] prefix = (Thread.currentThread().getName() + ": ").getBytes(StandardCharsets.UTF_8);
      // The prefix sits in front of the read area, so each reply is one write with no copy.
      byte[] reply = new byte[prefix.length + BUFFER_SIZE];
      System.arraycopy(prefix, 0, reply, 0, prefix.length);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      int n;
      while ((n = in.read(reply, prefix.length, BUFFER_SIZE)) > 0) {
        out.write(reply, 0, prefix.length + n);
      }
    } catch (IOException peerGone) {
      // A reset from the client ends this connection only; there is nobody to report it to.
    }
  }

  private static void closeQuietly(ServerSocket server) {
    try {
      server.close();
    } catch (IOException ignored) {
      // Shutting down anyway.
    }
  }
}
