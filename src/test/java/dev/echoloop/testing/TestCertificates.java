package dev.echoloop.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made for one test with the openssl command: a CA, a server certificate for 127.0.0.1 signed by it, a
 * client certificate signed by it, and a client certificate signed by nobody the server trusts.
 */
public final class TestCertificates {

  public final Path ca;
  public final Path serverCert;
  public final Path serverKey;
  public final Path clientCert;
  public final Path clientKey;
  public final Path strangerCert;
  public final Path strangerKey;
  private final Path dir;

  private TestCertificates(Path dir) {
    this.dir = dir;
    ca = dir.resolve("ca.pem");
    serverCert = dir.resolve("server-cert.pem");
    serverKey = dir.resolve("server-key.pem");
    clientCert = dir.resolve("client-cert.pem");
    clientKey = dir.resolve("client-key.pem");
    strangerCert = dir.resolve("stranger-cert.pem");
    strangerKey = dir.resolve("stranger-key.pem");
  }

  public static boolean opensslAvailable() {
    try {
      return new ProcessBuilder("openssl", "version").start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  public static TestCertificates create(Path dir) throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    certs.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=echoloop test CA");
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    certs.signed("server", "server", "server.ext");
    certs.signed("client", "client", null);
    certs.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", "stranger-key.pem", "-out", "stranger-cert.pem", "-days", "2", "-subj", "/CN=stranger");
    return certs;
  }

  /** A new server key and certificate, signed by the same CA, with {@code commonName}, over the current files. */
  public void renewServer(String commonName) throws Exception {
    signed("server", commonName, "server.ext");
  }

  private void signed(String name, String commonName, String extensions) throws Exception {
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", name + "-key.pem", "-out", name + ".csr", "-subj", "/CN=" + commonName);
    List<String> sign = new ArrayList<>(List.of("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
      "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", name + "-cert.pem", "-days", "2"));
    if (extensions != null) {
      sign.addAll(List.of("-extfile", extensions));
    }
    openssl(sign.toArray(String[]::new));
  }

  private void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + output);
    }
  }
}
