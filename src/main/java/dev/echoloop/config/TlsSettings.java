package dev.echoloop.config;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Turns {@link TlsConfig} into Vert.x's TLS options, for the server and for echoloop's own clients. */
public final class TlsSettings {

  private static final Logger log = LoggerFactory.getLogger(TlsSettings.class);

  private TlsSettings() {
  }

  /**
   * The server's certificate, key, client-certificate policy, protocols and cipher suites. Blocking: it checks that the
   * files are there (Vert.x reads them later, on a worker thread) and loads the JDK's TLS provider, so call it off the
   * event loops.
   *
   * @throws InvalidConfigException when a file is missing or unreadable, or this JVM does not support a cipher suite
   */
  public static ServerSSLOptions server(TlsConfig tls) {
    requireFile("tls.certPath", tls.certPath());
    requireFile("tls.keyPath", tls.keyPath());
    requireSupported(tls.cipherSuites());
    ServerSSLOptions options = new ServerSSLOptions()
      .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath()))
      .setClientAuth(ClientAuth.valueOf(tls.clientAuth().name()))
      .setSslHandshakeTimeout(tls.handshakeTimeoutSeconds())
      .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
      // Keeps the name the client asked for (SNI), for the info line; with one certificate every name gets it.
      .setSni(true)
      .setEnabledSecureTransportProtocols(new LinkedHashSet<>(tls.protocols()))
      // Vert.x negotiates ALPN only when asked to; with no protocol to offer the extension is ignored.
      .setUseAlpn(!tls.alpnProtocols().isEmpty())
      .setApplicationLayerProtocols(tls.alpnProtocols());
    tls.cipherSuites().forEach(options::addEnabledCipherSuite);
    if (!tls.clientCaPath().isEmpty()) {
      requireFile("tls.clientCaPath", tls.clientCaPath());
      options.setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCaPath()));
    }
    return options;
  }

  /** {@link #server} applied to a server's options; blocking in the same way. */
  public static NetServerOptions applyTo(NetServerOptions options, TlsConfig tls) {
    ServerSSLOptions ssl = server(tls);
    ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
    options.setSsl(true)
      .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
      .setKeyCertOptions(ssl.getKeyCertOptions())
      .setTrustOptions(ssl.getTrustOptions())
      .setClientAuth(ssl.getClientAuth())
      .setSslHandshakeTimeout(ssl.getSslHandshakeTimeout())
      .setSslHandshakeTimeoutUnit(ssl.getSslHandshakeTimeoutUnit())
      .setSni(ssl.isSni())
      .setUseAlpn(ssl.isUseAlpn());
    // NetServerOptions has no setter of its own for the ALPN list; its SSL options, created by the setters above, do.
    options.getSslOptions().setApplicationLayerProtocols(ssl.getApplicationLayerProtocols());
    return options;
  }

  /**
   * Loads the certificate, key and client CA of {@link #applyTo server options} as Vert.x will, so that a file that
   * does not parse stops the start with one line naming it, instead of failing inside {@code listen} as if the port
   * were the problem. Blocking: it reads the files.
   *
   * @return {@code options}, unchanged
   * @throws InvalidConfigException naming {@code tls.certPath}/{@code tls.keyPath} or {@code tls.clientCaPath} and
   *   the parse failure's type and message
   */
  public static NetServerOptions requireLoadable(NetServerOptions options, TlsConfig tls, Vertx vertx) {
    try {
      options.getKeyCertOptions().getKeyManagerFactory(vertx);
    } catch (Exception e) {
      throw new InvalidConfigException("invalid configuration: tls.certPath=\"" + tls.certPath()
        + "\", tls.keyPath=\"" + tls.keyPath() + "\" (cannot load them: " + e + ")");
    }
    if (options.getTrustOptions() != null) {
      try {
        options.getTrustOptions().getTrustManagerFactory(vertx);
      } catch (Exception e) {
        throw new InvalidConfigException("invalid configuration: tls.clientCaPath=\"" + tls.clientCaPath()
          + "\" (cannot load it: " + e + ")");
      }
    }
    return options;
  }

  /** TLS for a client of echoloop: trusting {@code tls.trustPath}, the JDK's CAs, or, when asked, anything. */
  public static NetClientOptions applyTo(NetClientOptions options, TlsConfig tls) {
    options.setSsl(true);
    if (tls.trustAll()) {
      log.warn("tls.trustAll is set: the server's certificate is not checked, so the connection is not authenticated");
      return options.setTrustAll(true);
    }
    if (!tls.trustPath().isEmpty()) {
      requireFile("tls.trustPath", tls.trustPath());
      options.setTrustOptions(new PemTrustOptions().addCertPath(tls.trustPath()));
    }
    return options.setHostnameVerificationAlgorithm("HTTPS");
  }

  /** The JDK silently ignores a suite it does not know; an operator's typo should stop the start instead. */
  private static void requireSupported(List<String> cipherSuites) {
    Set<String> supported;
    try {
      supported = Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no default TLS provider", e);
    }
    for (String suite : cipherSuites) {
      if (!supported.contains(suite)) {
        throw new InvalidConfigException("invalid configuration: tls.cipherSuites has \"" + suite
          + "\", which this JVM does not support");
      }
    }
  }

  private static void requireFile(String key, String path) {
    if (path.isEmpty()) {
      throw new InvalidConfigException("invalid configuration: tls.enabled=true needs " + key);
    }
    if (!Files.isReadable(Path.of(path))) {
      throw new InvalidConfigException("invalid configuration: " + key + "=\"" + path + "\" (no readable file there)");
    }
  }
}
