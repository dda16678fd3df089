package dev.echoloop.config;

/**
 * TLS for the echo port, and how echoloop's own clients trust it.
 *
 * @param enabled                 serve TLS instead of plain TCP
 * @param certPath                the server's certificate chain, PEM
 * @param keyPath                 the server's private key, PEM
 * @param clientCaPath            CA certificates (PEM) that client certificates must chain to, for mutual TLS
 * @param clientAuth              whether clients must present a certificate
 * @param trustPath               CA certificates (PEM) that echoloop's clients trust the server with
 * @param trustAll                echoloop's clients trust any server certificate (development only; warned about)
 * @param handshakeTimeoutSeconds a handshake not finished by then closes that connection
 */
public record TlsConfig(
  boolean enabled,
  String certPath,
  String keyPath,
  String clientCaPath,
  ClientAuthMode clientAuth,
  String trustPath,
  boolean trustAll,
  int handshakeTimeoutSeconds) {

  /** Whether a TLS client must present a certificate: the {@code tls.clientAuth} key. */
  public enum ClientAuthMode {
    NONE, REQUEST, REQUIRED
  }

  public static TlsConfig defaults() {
    return new TlsConfig(false, "", "", "", ClientAuthMode.NONE, "", false, 10);
  }
}
