package dev.echoloop.config;

import io.vertx.core.json.JsonObject;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * echoloop's whole configuration, validated once at start and then passed to every verticle: the typed view of
 * {@code conf/echoloop.schema.json}, which holds each key's type, range and default. Component names are the keys; the
 * {@code tls}, {@code admin}, {@code udp} and {@code faults} objects are nested records.
 *
 * @param host                   the address the echo server binds, and the client connects to
 * @param port                   the echo port; 0 picks one free port shared by all instances
 * @param instances              server verticle instances, each on its own event loop ({@code "auto"} in JSON reads as
 *                               {@link #AUTO_INSTANCES})
 * @param transport              the Netty transport of the event loops
 * @param framing                how the byte stream is cut into messages
 * @param maxFrameBytes          the longest record, in bytes, that the {@code line} and {@code length} framings accept
 * @param maxConnections         open connections allowed across all instances of the server
 * @param idleTimeoutSeconds     a connection that sends nothing for this long is closed; 0 never
 * @param clientTimeoutSeconds   how long the client waits for a connection and its reply
 * @param shutdownTimeoutSeconds how long a graceful shutdown waits for open connections before closing them
 * @param shutdownDelaySeconds   on SIGTERM (or undeploy), how long {@code /ready} answers 503 while the server still
 *                               accepts and serves, before the graceful shutdown begins
 * @param drain                  how open connections end in a graceful shutdown
 * @param accessLog              one log line per connection when it closes
 * @param logFormat              plain text or JSON log lines
 * @param nodeName               this node's name, for {@code {node}} in replies and the info line; empty in the schema,
 *                               which means {@code HOSTNAME} when set (as in a Kubernetes pod; {@link ConfigLoader}
 *                               reads it), else the host name
 * @param replyPrefix            the template in front of every reply, see {@link ReplyPrefix}
 * @param proxyProtocol          every connection starts with a PROXY protocol header (v1 or v2), read before TLS
 * @param proxyProtocolTimeoutSeconds a connection with no complete header by then is closed
 * @param greeting               whether the server speaks first, with one JSON line about the connection
 * @param tls                    TLS on the echo port
 * @param admin                  the admin HTTP server: metrics and health
 * @param udp                    UDP echo and its reflection safeguards
 * @param faults                 faults injected on purpose on the TCP port; all off by default
 */
public record EchoConfig(
  String host,
  int port,
  int instances,
  TransportChoice transport,
  Framing framing,
  int maxFrameBytes,
  int maxConnections,
  int idleTimeoutSeconds,
  int clientTimeoutSeconds,
  int shutdownTimeoutSeconds,
  int shutdownDelaySeconds,
  Drain drain,
  boolean accessLog,
  LogFormat logFormat,
  String nodeName,
  String replyPrefix,
  boolean proxyProtocol,
  int proxyProtocolTimeoutSeconds,
  Greeting greeting,
  TlsConfig tls,
  AdminConfig admin,
  UdpConfig udp,
  FaultConfig faults) {

  /**
   * The rules the schema cannot state: the reply prefix's placeholders are known, PROXY has its decoder, and an unset
   * node name is this host's.
   *
   * @throws InvalidConfigException for an unknown placeholder in {@code replyPrefix}, a newline in {@code nodeName}, or
   *                                {@code proxyProtocol} without netty-codec-haproxy on the class path
   */
  public EchoConfig {
    ReplyPrefix.parse(replyPrefix);
    if (proxyProtocol && !proxyCodecPresent()) {
      // Vert.x would only log a warning and serve without PROXY, taking every header for data.
      throw new InvalidConfigException("invalid configuration: proxyProtocol=true needs io.netty:netty-codec-haproxy"
        + " on the class path (" + PROXY_DECODER + " is missing)");
    }
    if (nodeName.isEmpty()) {
      nodeName = hostName();
    }
    if (nodeName.indexOf('\n') >= 0 || nodeName.indexOf('\r') >= 0) {
      // {node} goes into every reply's prefix, where a newline would end a line reply early, as in replyPrefix itself.
      throw new InvalidConfigException("invalid configuration: nodeName=\""
        + nodeName.replace("\n", "\\n").replace("\r", "\\r") + "\" (a newline would end a line reply early)");
    }
  }

  /**
   * One instance, so one event loop, per processor the JVM may use (container limits and CPU affinity included). The
   * handlers never block, so a second event loop on a core only takes turns with the first: pinned to one core, two
   * cost more CPU per ping-pong request and had a worse p99 than one (issue 10). Vert.x's own default, one per
   * event-loop thread, is twice that.
   */
  public static final int AUTO_INSTANCES = Runtime.getRuntime().availableProcessors();

  private static final String AUTO = "auto";
  private static final String PROXY_DECODER = "io.netty.handler.codec.haproxy.HAProxyMessageDecoder";

  /** How open connections end in a graceful shutdown: the {@code drain} key. */
  public enum Drain {
    /**
     * Each connection is closed as soon as everything it sent has been answered and no partial record is buffered,
     * with a lingering close; what the client sends after that is not read, so no reply is owed for it.
     */
    BOUNDARY,
    /** Connections are served until their clients close them, or until {@code shutdownTimeoutSeconds}. */
    WAIT
  }

  /** Whether the server speaks first: the {@code greeting} key. */
  public enum Greeting {
    OFF,
    /** One JSON line about the connection (node, addresses, PROXY, TLS), framed like a reply, before any echo. */
    INFO
  }

  /** Plain text or JSON log lines: the {@code logFormat} key. */
  public enum LogFormat {
    TEXT, JSON
  }

  /** Every key of the schema's defaults. */
  public static EchoConfig defaults() {
    return fromJson(new JsonObject());
  }

  /** Every key echoloop knows, nested ones by their dotted names ({@code tls.certPath}), in the schema's order. */
  public static List<String> keys() {
    return ConfigSchema.ECHOLOOP.keys();
  }

  /**
   * Reads a merged configuration object (nested: {@code {"tls": {"enabled": true}}}). Missing keys take the schema's
   * defaults.
   *
   * @throws InvalidConfigException for an unknown key, or a value of the wrong type or out of range; its one-line
   *                                message names the key and the value
   */
  public static EchoConfig fromJson(JsonObject json) {
    JsonObject complete = ConfigSchema.ECHOLOOP.validatedWithDefaults(json);
    if (AUTO.equals(complete.getValue("instances"))) {
      complete.put("instances", AUTO_INSTANCES);
    }
    return RecordBinding.fromJson(complete, EchoConfig.class);
  }

  /** The JSON this configuration reads back from, as the launcher hands it to verticles it deploys by class name. */
  public JsonObject toJson() {
    return RecordBinding.toJson(this);
  }

  /**
   * This configuration with one key changed, validated like any other source. A nested key is dotted
   * ({@code "tls.trustPath"}); a JSON object given for a group ({@code "tls"}) is merged into it.
   *
   * @throws InvalidConfigException as {@link #fromJson} does
   */
  public EchoConfig with(String key, Object value) {
    JsonObject json = toJson();
    JsonObject parent = json;
    String[] path = key.split("\\.");
    for (int i = 0; i < path.length - 1; i++) {
      if (!(parent.getValue(path[i]) instanceof JsonObject group)) {
        throw ConfigSchema.ECHOLOOP.unknownKey(key);
      }
      parent = group;
    }
    String last = path[path.length - 1];
    if (value instanceof JsonObject patch && parent.getValue(last) instanceof JsonObject group) {
      group.mergeIn(patch, true);
    } else {
      parent.put(last, value);
    }
    return fromJson(json);
  }

  public EchoConfig withPort(int newPort) {
    return with("port", newPort);
  }

  private static boolean proxyCodecPresent() {
    try {
      Class.forName(PROXY_DECODER, false, EchoConfig.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** The reply prefix template, parsed; each server instance renders it once for its event loop. */
  public ReplyPrefix replyPrefixTemplate() {
    return ReplyPrefix.parse(replyPrefix);
  }

  /**
   * The host name, asked once when a configuration without {@code nodeName} is built: before Vert.x starts for the
   * launcher, which then hands the resolved name to its verticles. The JDK may resolve the name to find it.
   */
  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /** How an enum value is written in the configuration and in logs and metric tags: lower case in {@link Locale#ROOT}. */
  public static String lowerCase(Enum<?> constant) {
    return RecordBinding.lowerCase(constant);
  }
}
