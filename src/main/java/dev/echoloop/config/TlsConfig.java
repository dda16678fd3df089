package dev.echoloop.config;

import java.util.List;

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
 * @param protocols               the TLS versions the echo server accepts ({@code TLSv1.2}, {@code TLSv1.3})
 * @param cipherSuites            the cipher suites the echo server accepts, IANA names; by default Mozilla's
 *                                "intermediate" server profile, ECDHE only
 * @param alpnProtocols           the ALPN protocol names (RFC 7301) the echo server offers, in its order of preference;
 *                                empty (the default) offers none
 */
public record TlsConfig(
  boolean enabled,
  String certPath,
  String keyPath,
  String clientCaPath,
  ClientAuthMode clientAuth,
  String trustPath,
  boolean trustAll,
  int handshakeTimeoutSeconds,
  List<String> protocols,
  List<String> cipherSuites,
  List<String> alpnProtocols) {

  /** Whether a TLS client must present a certificate: the {@code tls.clientAuth} key. */
  public enum ClientAuthMode {
    NONE, REQUEST, REQUIRED
  }

  /**
   * The rules across TLS keys that the schema does not state.
   *
   * @throws InvalidConfigException when a client certificate is asked for without the CA to check it against, or when
   *                                no cipher suite fits any of the protocols (TLS 1.3 has its own suites, RFC 8446)
   */
  public TlsConfig {
    if (clientAuth != ClientAuthMode.NONE && clientCaPath.isEmpty()) {
      throw new InvalidConfigException("invalid configuration: tls.clientAuth=\"" + EchoConfig.lowerCase(clientAuth)
        + "\" needs tls.clientCaPath, the CA that client certificates are checked against");
    }
    protocols = List.copyOf(protocols);
    cipherSuites = List.copyOf(cipherSuites);
    alpnProtocols = List.copyOf(alpnProtocols);
    List<String> suites = cipherSuites;
    boolean usable = protocols.stream().anyMatch(protocol -> suites.stream()
      .anyMatch(suite -> isTls13Suite(suite) == protocol.equals("TLSv1.3")));
    if (!usable) {
      throw new InvalidConfigException("invalid configuration: tls.cipherSuites=" + cipherSuites
        + " has no suite for tls.protocols=" + protocols + " (TLS 1.3 suites are named TLS_AES_* and TLS_CHACHA20_*)");
    }
  }

  /** TLS 1.3 suites name only the AEAD and the hash ({@code TLS_AES_128_GCM_SHA256}); earlier ones add "_WITH_". */
  static boolean isTls13Suite(String suite) {
    return !suite.contains("_WITH_");
  }
}
