package dev.echoloop.loadgen;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.InvalidConfigException;
import dev.echoloop.config.ReplyPrefix;
import dev.echoloop.config.TlsConfig;
import dev.echoloop.config.TlsSettings;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClientOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Load generator for echoloop and its rival servers: drives one workload against a loopback port,
 * prints a summary line (and optionally JSON), and exits 0 without errors, 1 with errors, 2 on bad usage.
 */
@Command(
    name = "LoadGenerator",
    sortOptions = false,
    description = "Drives an echo server on loopback with one workload: rr, cpr, stream, idle or udp.",
    footer = "%nrr and cpr also report sent, replied, retried and lost requests, and the nodes that replied.")
public final class LoadGenerator implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(LoadGenerator.class);

  /** The bench must never send traffic anywhere but this machine. */
  private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "::1");
  private static final int CONNECT_TIMEOUT_MS = 5000;
  private static final int MAX_SIZE = 1024 * 1024;
  /** Slack past warm-up + duration for opening, draining and closing; the loads' own timers end sooner. */
  private static final int SAFETY_MARGIN_SECONDS = 20;
  private static final int CLOSE_TIMEOUT_SECONDS = 5;
  private static final int MAX_PIPELINE = 1024;

  @Spec
  private CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  private boolean helpRequested;

  @Option(names = "--mode", required = true, description = "rr, cpr, stream, idle or udp.")
  private Mode mode;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "127.0.0.1 or ::1 (default: ${DEFAULT-VALUE}).")
  private String host;

  @Option(names = "--port", required = true, description = "The server's port.")
  private int port;

  @Option(names = "--connections",
      description = "Connections (rr 64, stream 1, idle 10000), cpr workers (16) or udp sockets (16).")
  private Integer connections;

  @Option(names = "--size",
      description = "Bytes per request (rr, idle, udp: 64) or per write (stream: 16384); cpr's line is fixed.")
  private Integer size;

  @Option(names = "--duration", defaultValue = "10", description = "Measured (or idle) seconds (default: ${DEFAULT-VALUE}).")
  private int durationSeconds;

  @Option(names = "--warmup", defaultValue = "3", description = "Uncounted seconds before measuring (default: ${DEFAULT-VALUE}).")
  private int warmupSeconds;

  @Option(names = "--json", description = "Also write the result as a JSON object to this file.")
  private Path jsonFile;

  @Option(names = "--label", defaultValue = "", description = "A name for this run, copied into the output.")
  private String label;

  @Option(names = "--tls", description = "Connect with TLS, trusting the JDK's CAs unless --trust or --trust-all says otherwise.")
  private boolean tls;

  @Option(names = "--trust", paramLabel = "FILE", description = "With --tls: the CA certificates (PEM) to trust the server with.")
  private String trustPath;

  @Option(names = "--trust-all", description = "With --tls: accept any server certificate (development only; warned about).")
  private boolean trustAll;

  @Option(names = "--timeout-ms", defaultValue = "1000",
      description = "udp, rr and cpr: how long to wait for a reply before counting a timeout; udp then sends the "
          + "next datagram, rr and cpr keep waiting and count a reply after it as late (default: ${DEFAULT-VALUE}).")
  private int timeoutMillis;

  @Option(names = "--event-loops", defaultValue = "1", description = "Client event loops (default: ${DEFAULT-VALUE}).")
  private int eventLoops;

  @Option(names = "--pipeline", defaultValue = "1",
      description = "rr: requests in flight per connection; above 1 the server must use line framing (default: ${DEFAULT-VALUE}).")
  private int pipeline;

  @Option(names = "--reconnect",
      description = "rr, cpr: reopen a connection the server closed and send its unanswered requests again (retried).")
  private boolean reconnect;

  @Option(names = "--reply-prefix", paramLabel = "TEMPLATE", defaultValue = ReplyPrefix.DEFAULT,
      description = "The server's replyPrefix; with {node}, replies are counted per node (default: \"${DEFAULT-VALUE}\").")
  private String replyPrefix;

  @Option(names = "--proxy-header", paramLabel = "v1|v2",
      description = "Send a PROXY protocol header with the connection's own addresses first, as a load balancer would.")
  private ProxyHeader.Version proxyHeader;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new LoadGenerator()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public Integer call() throws IOException {
    LoadOptions options = validatedOptions();
    // Native epoll when the jar carries it (fewer syscalls per request), NIO otherwise.
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(options.eventLoops())
        .setPreferNativeTransport(true));
    log.debug("native transport: {}", vertx.isNativeTransportEnabled());
    try {
      Optional<BenchResult> result = runLoad(vertx, options);
      if (result.isEmpty()) {
        return CommandLine.ExitCode.SOFTWARE;
      }
      // Reported before closing: closing thousands of idle connections can take seconds.
      report(result.get());
      boolean lost = result.get().deliveries().map(counted -> counted.lost > 0).orElse(false);
      return result.get().errors() == 0 && !lost ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
    } finally {
      closeQuietly(vertx);
    }
  }

  private LoadOptions validatedOptions() {
    if (!LOOPBACK_HOSTS.contains(host)) {
      throw usageError("--host must be 127.0.0.1 or ::1: the bench only ever targets loopback, got '" + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw usageError("--port must be 1..65535, got " + port);
    }
    int connectionCount = connections == null ? mode.defaultConnections() : connections;
    if (connectionCount < 1 || connectionCount > RequestMessage.MAX_CONNECTIONS) {
      throw usageError("--connections must be 1.." + RequestMessage.MAX_CONNECTIONS + ", got " + connectionCount);
    }
    if (mode == Mode.CPR && size != null) {
      throw usageError("--size does not apply to cpr, which always sends the Python client's 'Hello from clientN'");
    }
    int byteCount = mode == Mode.CPR ? 0 : size == null ? mode.defaultSize() : size;
    int minSize = mode == Mode.STREAM ? 1 : RequestMessage.MIN_SIZE;
    if (mode != Mode.CPR && (byteCount < minSize || byteCount > MAX_SIZE)) {
      throw usageError("--size must be " + minSize + ".." + MAX_SIZE + " for " + mode.cliName() + ", got " + byteCount);
    }
    if (durationSeconds < 1 || warmupSeconds < 0) {
      throw usageError("--duration must be at least 1 and --warmup at least 0");
    }
    if (eventLoops < 1) {
      throw usageError("--event-loops must be at least 1, got " + eventLoops);
    }
    if (pipeline < 1 || pipeline > MAX_PIPELINE || (pipeline > 1 && mode != Mode.RR)) {
      throw usageError("--pipeline must be 1.." + MAX_PIPELINE + ", and above 1 only for rr, got " + pipeline);
    }
    if (reconnect && mode != Mode.RR && mode != Mode.CPR) {
      throw usageError("--reconnect applies to rr and cpr, not " + mode.cliName());
    }
    if (timeoutMillis < 1 || timeoutMillis > 60_000) {
      throw usageError("--timeout-ms must be 1..60000, got " + timeoutMillis);
    }
    ReplyPrefix prefix;
    try {
      prefix = ReplyPrefix.parse(replyPrefix);
    } catch (InvalidConfigException e) {
      throw usageError("--reply-prefix: " + e.getMessage());
    }
    return new LoadOptions(mode, host, port, connectionCount, byteCount, durationSeconds, warmupSeconds,
        Optional.ofNullable(jsonFile), label, eventLoops, pipeline, reconnect, prefix, Optional.ofNullable(proxyHeader),
        timeoutMillis);
  }

  private ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Empty when the run could not happen; the reason is already on stderr as one line. */
  private Optional<BenchResult> runLoad(Vertx vertx, LoadOptions options) {
    NetClientOptions clientOptions = new NetClientOptions()
        .setTcpNoDelay(true)
        .setConnectTimeout(CONNECT_TIMEOUT_MS);
    ClientSSLOptions tlsAfterProxyHeader = null;
    if (tls) {
      TlsConfig clientTls = EchoConfig.defaults()
          .with("tls", new JsonObject().put("trustPath", trustPath == null ? "" : trustPath).put("trustAll", trustAll))
          .tls();
      TlsSettings.applyTo(clientOptions, clientTls);
      if (options.proxyHeader().isPresent()) {
        // The PROXY header must precede the handshake: connect in plain TCP, and start TLS once the header is out.
        tlsAfterProxyHeader = clientOptions.getSslOptions();
        clientOptions.setSsl(false);
      }
    }
    NetClient client = vertx.createNetClient(clientOptions);
    long budgetSeconds = (long) options.warmupSeconds() + options.durationSeconds() + SAFETY_MARGIN_SECONDS;
    try {
      EventLoops loops = EventLoops.deploy(vertx, options.eventLoops()).await(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      Load load = loadFor(new LoadEnvironment(vertx, client, tlsAfterProxyHeader, loops, options));
      Optional<ProgressLine> progress = ProgressLine.startIfInteractive(vertx, load::progress);
      try {
        return Optional.of(load.run().await(budgetSeconds, TimeUnit.SECONDS));
      } finally {
        progress.ifPresent(ProgressLine::stop);
      }
    } catch (TimeoutException e) {
      System.err.println("echoloop bench: the run did not end within " + budgetSeconds + " s; giving up");
      return Optional.empty();
    } catch (Exception e) {
      // Future.await rethrows the failure as is, checked ConnectException included.
      System.err.println("echoloop bench: " + describeFailure(options, e));
      return Optional.empty();
    }
  }

  private static Load loadFor(LoadEnvironment env) {
    return switch (env.options().mode()) {
      case RR -> new RequestResponseLoad(env);
      case CPR -> new ConnectPerRequestLoad(env);
      case STREAM -> new StreamLoad(env);
      case IDLE -> new IdleLoad(env);
      case UDP -> new UdpLoad(env);
    };
  }

  private static String describeFailure(LoadOptions options, Throwable failure) {
    if (failure instanceof ConnectException) {
      return "cannot connect to " + options.host() + ":" + options.port() + " (" + ErrorTally.describe(failure) + ")";
    }
    return ErrorTally.describe(failure);
  }

  private static void closeQuietly(Vertx vertx) {
    try {
      vertx.close().await(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      // The result is out already, and the process exit closes whatever is left.
      log.debug("Vert.x did not close within {} s", CLOSE_TIMEOUT_SECONDS);
    }
  }

  private static void report(BenchResult result) throws IOException {
    System.out.println(result.summary());
    result.loadBoundWarning().ifPresent(warning -> System.out.println("echoloop bench: " + warning));
    result.firstError().ifPresent(first -> System.err.println("echoloop bench: "
        + result.errors() + " error(s); first: " + first));
    Optional<Path> json = result.options().jsonFile();
    if (json.isPresent()) {
      Files.writeString(json.get(), result.toJson().encode() + System.lineSeparator());
    }
  }
}
