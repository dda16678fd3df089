package dev.echoloop.live;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One HTTP/1.1 request on a plain socket, for what an HTTP client library hides: a stream read line by line, a viewer
 * that stops reading, the exact status and headers. Reads time out, so a test cannot hang.
 */
final class RawHttpClient implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  final int status;
  final Map<String, String> headers = new HashMap<>();

  /**
   * Sends {@code GET path} and reads the status line and headers.
   *
   * @param receiveBufferBytes the socket's SO_RCVBUF, set before it connects; 0 keeps the system's
   * @param readResponse       false to send the request and read nothing at all, as a viewer that has stalled
   */
  RawHttpClient(int port, String path, int receiveBufferBytes, boolean readResponse) throws IOException {
    socket = new Socket();
    if (receiveBufferBytes > 0) {
      socket.setReceiveBufferSize(receiveBufferBytes);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    socket.setSoTimeout(10_000);
    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
      .getBytes(StandardCharsets.US_ASCII));
    in = socket.getInputStream();
    if (!readResponse) {
      status = 0;
      return;
    }
    String statusLine = readLine();
    status = Integer.parseInt(statusLine.split(" ")[1]);
    for (String header = readLine(); !header.isEmpty(); header = readLine()) {
      int colon = header.indexOf(':');
      headers.put(header.substring(0, colon).trim().toLowerCase(), header.substring(colon + 1).trim());
    }
  }

  static RawHttpClient get(int port, String path) throws IOException {
    return new RawHttpClient(port, path, 0, true);
  }

  /** One line of a stream, without its CRLF or LF. */
  String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the server closed the connection after " + line.size() + " bytes of a line");
      }
      line.write(b);
    }
    return line.toString(StandardCharsets.UTF_8).replaceFirst("\r$", "");
  }

  /** The next Server-Sent Event's data, as JSON; other fields ({@code retry:}) and blank lines are passed over. */
  JsonObject nextEvent() throws IOException {
    for (String line = readLine(); ; line = readLine()) {
      // Chunked transfer: chunk sizes are lines of hex digits between the event lines.
      if (line.startsWith("data: ")) {
        return new JsonObject(line.substring("data: ".length()));
      }
    }
  }

  /** The body of a response with a content-length. */
  String body() throws IOException {
    return new String(in.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
