package dev.echoloop.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports for the few tests that cannot let the server pick one (port 0) and read it back. */
public final class Ports {

  private Ports() {
  }

  /**
   * A loopback port nothing listened on a moment ago: to bind a fixed port, or to find nothing listening there. The OS
   * may hand it out again, so use it at once.
   */
  public static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
