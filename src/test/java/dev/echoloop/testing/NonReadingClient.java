package dev.echoloop.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;

/**
 * A {@code line} client that sends far more than the server can answer into the socket buffers and reads nothing, so
 * that replies back up on the server: for the tests of what the server does with replies it could not deliver.
 */
public final class NonReadingClient implements AutoCloseable {

  private static final int SEND_BYTES = 16 * 1024 * 1024;
  /** More than the server answers before its replies back up, with the receive buffer below and 4 MiB send buffers. */
  private static final int STALL_BYTES = 5 * 1024 * 1024;
  private static final byte[] LINES = ("x".repeat(1023) + "\n").repeat(64).getBytes(StandardCharsets.US_ASCII);

  private final Socket socket;

  private NonReadingClient(Socket socket) {
    this.socket = socket;
  }

  /**
   * Connects with a small receive buffer, set before connecting so the window stays small and most replies stay on the
   * server, and writes lines from another thread until at least {@link #STALL_BYTES} are sent. Then it shuts its
   * output and waits for the writer to leave its blocked write. A writer that the kernel has woken but the scheduler has
   * not yet run when the server's reset comes takes the reset's error (a loaded 2-core CI machine did so, with a
   * shutdown timeout of 0), and the reader then meets a plain end of stream instead of the reset it is meant to see.
   */
  public static NonReadingClient stallServer(int port) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(64 * 1024);
    socket.setSoTimeout(20_000);
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    AtomicLong written = new AtomicLong();
    Thread writer = new Thread(() -> {
      try {
        OutputStream out = socket.getOutputStream();
        while (written.get() < SEND_BYTES) {
          out.write(LINES);
          written.addAndGet(LINES.length);
        }
      } catch (IOException expected) {
        // The output was shut while this thread was blocked writing.
      }
    }, "non-reading-client");
    writer.setDaemon(true);
    writer.start();
    await().until(() -> written.get() >= STALL_BYTES);
    socket.shutdownOutput();
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the writer stopped", e);
    }
    if (writer.isAlive()) {
      throw new IOException("the writer was still blocked 10 s after the output was shut");
    }
    return new NonReadingClient(socket);
  }

  /**
   * Reads until the server resets the connection and returns how many bytes arrived before the reset: no more than the
   * small receive buffer held if the reset came at once, megabytes if the server went on writing its queued replies
   * first. An orderly end (a FIN) fails the test: it would tell the client that the answer was complete.
   */
  public long bytesReadBeforeReset() throws IOException {
    InputStream in = socket.getInputStream();
    byte[] chunk = new byte[64 * 1024];
    long read = 0;
    try {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        read += n;
      }
    } catch (SocketException reset) {
      if (reset.getMessage() != null && reset.getMessage().contains("Connection reset")) {
        return read;
      }
      throw reset;
    }
    throw new AssertionError("the server ended with an orderly close after " + read + " bytes, not with a reset");
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
