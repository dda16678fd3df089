package dev.echoloop.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A client that writes requests back to back without waiting for replies, on one thread, while another reads
 * everything that comes back until the server closes: the client a drain must not lose replies to. Both are bounded:
 * at most {@code maxRequests} requests, and everything ends when the socket closes or after {@link #awaitEnd}'s wait.
 */
public final class PipeliningClient implements AutoCloseable {

  /** Requests per write: enough to keep the server busy, few enough that a drain lands between writes too. */
  private static final int BATCH = 32;

  private final Socket socket;
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private final Thread writer;
  private final Thread reader;
  private volatile int sent;
  private volatile String ending;
  private volatile boolean closing;

  /** @param request the bytes of request number {@code i}, from 0 */
  public PipeliningClient(int port, IntFunction<byte[]> request, int maxRequests) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setTcpNoDelay(true);
    OutputStream out = socket.getOutputStream();
    InputStream in = socket.getInputStream();
    writer = new Thread(() -> {
      try {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        // On past the server's end of stream too, as a client that has not noticed yet: a lingering close reads that.
        for (int i = 0; i < maxRequests && !closing; i += BATCH) {
          batch.reset();
          int end = Math.min(maxRequests, i + BATCH);
          for (int j = i; j < end; j++) {
            batch.write(request.apply(j));
          }
          out.write(batch.toByteArray());
          sent = end;
        }
      } catch (IOException e) {
        // The server closed (after its lingering close) or the test did: what was written before counts.
      }
    }, "pipelining-writer");
    reader = new Thread(() -> {
      byte[] chunk = new byte[64 * 1024];
      try {
        for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
          synchronized (received) {
            received.write(chunk, 0, n);
          }
        }
        ending = "end of stream";
      } catch (IOException e) {
        ending = e.toString();
      }
    }, "pipelining-reader");
    writer.setDaemon(true);
    reader.setDaemon(true);
    writer.start();
    reader.start();
  }

  /** Bytes received so far. */
  public int receivedBytes() {
    synchronized (received) {
      return received.size();
    }
  }

  /**
   * Waits until the server closed the connection; returns how it ended: {@code "end of stream"} for an orderly close
   * (a FIN), or the exception (a reset) otherwise.
   */
  public String awaitEnd(long timeoutSeconds) throws InterruptedException {
    reader.join(TimeUnit.SECONDS.toMillis(timeoutSeconds));
    if (reader.isAlive()) {
      throw new AssertionError("the server did not close within " + timeoutSeconds + " s");
    }
    return ending;
  }

  public byte[] received() {
    synchronized (received) {
      return received.toByteArray();
    }
  }

  /** Requests written in full (some perhaps never read by the server). */
  public int sent() {
    return sent;
  }

  @Override
  public void close() throws IOException {
    closing = true;
    socket.close();
  }
}
