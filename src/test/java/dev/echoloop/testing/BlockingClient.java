package dev.echoloop.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain blocking socket, for tests that need exact control over what a client does on the wire: dribbling bytes,
 * half-closing, resetting. Every read has a timeout so a test cannot hang.
 */
public final class BlockingClient implements AutoCloseable {

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;

  /** Connects to {@code port} on 127.0.0.1. */
  public BlockingClient(int port) throws IOException {
    this(new Socket("127.0.0.1", port));
  }

  /** Takes over a socket that is already connected, such as a JDK {@code SSLSocket}. */
  public BlockingClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
  }

  public BlockingClient send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  public BlockingClient send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads one {@code \n}-terminated line, without the newline, as ISO-8859-1 so every byte maps to one char. */
  public String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed after " + line.size() + " bytes of a line: " + line);
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * Reads until what arrived ends with {@code tail}, as ISO-8859-1: a {@code raw} reply, which TCP may split anywhere.
   */
  public String readEndingWith(String tail) throws IOException {
    ByteArrayOutputStream reply = new ByteArrayOutputStream();
    while (!reply.toString(StandardCharsets.ISO_8859_1).endsWith(tail)) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + reply.size() + " bytes of a reply: " + reply);
      }
      reply.write(b);
    }
    return reply.toString(StandardCharsets.ISO_8859_1);
  }

  public List<String> readLines(int count) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      lines.add(readLine());
    }
    return lines;
  }

  /** Reads one length-prefixed frame's payload. */
  public byte[] readFrame() throws IOException {
    byte[] payload = new byte[in.readInt()];
    in.readFully(payload);
    return payload;
  }

  /** Reads until the server closes the connection; everything that arrived, as ISO-8859-1 text. */
  public String readToEnd() throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  /** This client's own port, as the server sees it without a PROXY header. */
  public int localPort() {
    return socket.getLocalPort();
  }

  /** Shuts this side's output, so the server reads end of input while the connection stays open for replies. */
  public void halfClose() throws IOException {
    socket.shutdownOutput();
  }

  /** Closes with a TCP reset instead of an orderly close. */
  public void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
