package dev.echoloop.testing;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.CertificateBuilder.KeyUsage;
import io.netty.pkitesting.X509Bundle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates made for one test by Netty's PKI testing module, in memory and without any external tool: a CA, a server
 * certificate for 127.0.0.1 and localhost signed by it, a client certificate signed by it, and a client certificate
 * signed by another CA, which the server does not trust. echoloop reads certificates from PEM files, so each is also
 * written, with its private key, to the test's directory.
 */
public final class TestCertificates {

  /** Valid from a day ago, so a clock a little behind the test's does not reject them, to a day ahead. */
  private static final Duration VALIDITY = Duration.ofDays(1);

  public final Path ca;
  public final Path serverCert;
  public final Path serverKey;
  public final Path clientCert;
  public final Path clientKey;
  public final Path strangerCert;
  public final Path strangerKey;
  private final X509Bundle authority;

  private TestCertificates(Path dir, X509Bundle authority) {
    this.authority = authority;
    ca = dir.resolve("ca.pem");
    serverCert = dir.resolve("server-cert.pem");
    serverKey = dir.resolve("server-key.pem");
    clientCert = dir.resolve("client-cert.pem");
    clientKey = dir.resolve("client-key.pem");
    strangerCert = dir.resolve("stranger-cert.pem");
    strangerKey = dir.resolve("stranger-key.pem");
  }

  /** Makes every certificate and writes it, with its private key, as PEM files into {@code dir}. */
  public static TestCertificates create(Path dir) throws Exception {
    X509Bundle authority = authority("CN=echoloop test CA");
    TestCertificates certs = new TestCertificates(dir, authority);
    Files.writeString(certs.ca, authority.getCertificatePEM());
    certs.renewServer("server");
    write(builder("CN=client").addExtendedKeyUsageClientAuth().buildIssuedBy(authority),
      certs.clientCert, certs.clientKey);
    write(builder("CN=stranger").addExtendedKeyUsageClientAuth().buildIssuedBy(authority("CN=a stranger's CA")),
      certs.strangerCert, certs.strangerKey);
    return certs;
  }

  /**
   * A server certificate for 127.0.0.1 with an RSA key, signed by the same CA, written to {@code cert} and {@code key}:
   * only an RSA key allows the legacy RSA-key-exchange suites ({@code TLS_RSA_WITH_*}), so a test can show that they
   * are refused.
   */
  public void writeRsaServer(Path cert, Path key) throws Exception {
    X509Bundle server = builder("CN=rsa server")
      .rsa2048()
      .addSanIpAddress("127.0.0.1")
      .addExtendedKeyUsageServerAuth()
      .buildIssuedBy(authority);
    write(server, cert, key);
  }

  /** A new server key and certificate, signed by the same CA, with {@code commonName}, over the current files. */
  public void renewServer(String commonName) throws Exception {
    X509Bundle server = builder("CN=" + commonName)
      .addSanIpAddress("127.0.0.1")
      .addSanDnsName("localhost")
      .addExtendedKeyUsageServerAuth()
      .buildIssuedBy(authority);
    write(server, serverCert, serverKey);
  }

  /** Trust in the test CA, for clients outside Vert.x (a plain JDK {@code SSLSocket}). */
  public TrustManagerFactory trustManagerFactory() {
    return authority.toTrustManagerFactory();
  }

  private static X509Bundle authority(String subject) throws Exception {
    return builder(subject)
      .setIsCertificateAuthority(true)
      .setKeyUsage(true, KeyUsage.keyCertSign, KeyUsage.cRLSign)
      .buildSelfSigned();
  }

  private static CertificateBuilder builder(String subject) {
    Instant now = Instant.now();
    return new CertificateBuilder()
      .subject(subject)
      .ecp256()
      .notBefore(now.minus(VALIDITY))
      .notAfter(now.plus(VALIDITY));
  }

  private static void write(X509Bundle bundle, Path cert, Path key) throws Exception {
    Files.writeString(key, bundle.getPrivateKeyPEM());
    Files.writeString(cert, bundle.getCertificatePEM());
  }
}
