package dev.echoloop.config;

/**
 * TLS for the echo port, and how echoloop's own clients trust it: the {@code tls} object of the configuration.
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

  /**
   * The one rule across TLS keys that the schema does not state.
   *
   * @throws InvalidConfigException when a client certificate is asked for without the CA to check it against
   */
  public TlsConfig {
    if (clientAuth != ClientAuthMode.NONE && clientCaPath.isEmpty()) {
      throw new InvalidConfigException("invalid configuration: tls.clientAuth=\"" + EchoConfig.lowerCase(clientAuth)
        + "\" needs tls.clientCaPath, the CA that client certificates are checked against");
    }
  }
}
