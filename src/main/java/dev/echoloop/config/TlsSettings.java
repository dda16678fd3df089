package dev.echoloop.config;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Turns {@link TlsConfig} into Vert.x's TLS options, for the server and for echoloop's own clients. */
public final class TlsSettings {

  private static final Logger log = LoggerFactory.getLogger(TlsSettings.class);

  private TlsSettings() {
  }

  /** The server's certificate, key and client-certificate policy; read from the files each time it is called. */
  public static ServerSSLOptions server(TlsConfig tls) {
    requireFile("tls.certPath", tls.certPath());
    requireFile("tls.keyPath", tls.keyPath());
    ServerSSLOptions options = new ServerSSLOptions()
      .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath()))
      .setClientAuth(ClientAuth.valueOf(tls.clientAuth().name()))
      .setSslHandshakeTimeout(tls.handshakeTimeoutSeconds())
      .setSslHandshakeTimeoutUnit(TimeUnit.SECONDS)
      // Keeps the name the client asked for (SNI), for the info line; with one certificate every name gets it.
      .setSni(true);
    if (!tls.clientCaPath().isEmpty()) {
      requireFile("tls.clientCaPath", tls.clientCaPath());
      options.setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCaPath()));
    }
    return options;
  }

  public static NetServerOptions applyTo(NetServerOptions options, TlsConfig tls) {
    ServerSSLOptions ssl = server(tls);
    return options.setSsl(true)
      .setKeyCertOptions(ssl.getKeyCertOptions())
      .setTrustOptions(ssl.getTrustOptions())
      .setClientAuth(ssl.getClientAuth())
      .setSslHandshakeTimeout(ssl.getSslHandshakeTimeout())
      .setSslHandshakeTimeoutUnit(ssl.getSslHandshakeTimeoutUnit())
      .setSni(ssl.isSni());
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

  private static void requireFile(String key, String path) {
    if (path.isEmpty()) {
      throw new InvalidConfigException("invalid configuration: tls.enabled=true needs " + key);
    }
    if (!Files.isReadable(Path.of(path))) {
      throw new InvalidConfigException("invalid configuration: " + key + "=\"" + path + "\" (no readable file there)");
    }
  }
}
