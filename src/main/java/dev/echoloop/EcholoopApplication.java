package dev.echoloop;

import dev.echoloop.client.ClientVerticle;
import dev.echoloop.config.ConfigLoader;
import dev.echoloop.config.EchoConfig;
import dev.echoloop.config.InvalidConfigException;
import dev.echoloop.live.LiveView;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.tcp.TcpServerVerticle;
import dev.echoloop.udp.UdpServerDeployment;
import dev.echoloop.ops.AdminVerticle;

import dev.echoloop.ops.AdminRoutes;
import dev.echoloop.ops.LogFormats;
import dev.echoloop.ops.NeverBlockingAppender;
import dev.echoloop.ops.Metrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import io.vertx.launcher.application.ExitCodes;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The Vert.x launcher, plus echoloop's configuration: it is read once from every source before the main verticle is
 * deployed, and handed to it validated.
 *
 * <p>{@code java -jar echoloop.jar [verticle] [-instances N] [-conf FILE|JSON]}; the verticle defaults to the
 * manifest's {@code Main-Verticle}, the echo server. {@code java -jar echoloop.jar demo} runs the {@link Demo} instead.
 */
public final class EcholoopApplication extends VertxApplication implements VertxApplicationHooks {

  private static final Logger log = LoggerFactory.getLogger(EcholoopApplication.class);

  /** Netty 4.2's switch for its buffer-allocator JFR events, read once when Netty's {@code PlatformDependent} loads. */
  private static final String NETTY_JFR_EVENTS = "io.netty.jfr.enabled";

  private final boolean instancesOnCommandLine;
  private final String confArgument;
  private final String optionsArgument;
  private final String deploymentOptionsArgument;
  private EchoConfig config;
  private Transport transport;
  private volatile boolean serving;

  /** Exits with the launcher's code itself on a failed start, after the log line that says why is written out. */
  public EcholoopApplication(String[] args) {
    super(args, null, true, false);
    this.instancesOnCommandLine = Arrays.stream(args)
      .map(arg -> arg.toLowerCase(Locale.ROOT))
      .anyMatch(arg -> arg.matches("--?instances(=.*)?"));
    this.confArgument = argument(args, "conf");
    this.optionsArgument = argument(args, "options", "vertx-options");
    this.deploymentOptionsArgument = argument(args, "deployment-options");
  }

  public static void main(String[] args) {
    withoutNettyJfrEventsUnlessAsked();
    if (args.length > 0 && args[0].equals("demo")) {
      Demo.main(Arrays.copyOfRange(args, 1, args.length));
    } else {
      int exitCode = new EcholoopApplication(args).launch();
      if (exitCode != 0) {
        NeverBlockingAppender.flushAndStop();
        System.exit(exitCode);
      }
    }
  }

  /**
   * Netty 4.2 registers its buffer-allocator JFR events on its first allocation whenever the JVM has JFR, which loads
   * about 100 classes of JFR's metadata although nothing records (on JDK 17, about 0.1 s of CPU at start).
   * {@code conf/jvm.options} turns them off; this does the same for a plain {@code java -jar}, before any Netty class
   * loads. An operator who records Netty's events passes {@code -Dio.netty.jfr.enabled=true}, which is kept.
   */
  private static void withoutNettyJfrEventsUnlessAsked() {
    if (System.getProperty(NETTY_JFR_EVENTS) == null) {
      System.setProperty(NETTY_JFR_EVENTS, "false");
    }
  }

  @Override
  public JsonObject afterVertxOptionsParsed(JsonObject options) {
    return requireApplied("-options", requireParsed("-options", optionsArgument, options),
      parsed -> new VertxOptions(parsed).toJson());
  }

  @Override
  public JsonObject afterDeploymentOptionsParsed(JsonObject deploymentOptions) {
    return requireApplied("-deployment-options",
      requireParsed("-deployment-options", deploymentOptionsArgument, deploymentOptions),
      parsed -> new DeploymentOptions(parsed).toJson());
  }

  /**
   * Stops the start with one line when the launcher could not read an option's file or JSON text: it would only warn
   * and go on without it, on options nobody wrote.
   */
  private static JsonObject requireParsed(String option, String argument, JsonObject parsed) {
    if (parsed == null && argument != null) {
      InvalidConfigException unreadable = ConfigLoader.unreadableJsonArgument(option, argument);
      // The launcher turns an exception from a hook into exit status 1 without a word.
      log.error("{}", unreadable.getMessage());
      throw unreadable;
    }
    return parsed;
  }

  /**
   * Stops the start with one line when an option would not take effect: Vert.x's JSON converters skip a value of the
   * wrong type and a name they do not know without a word ({@code {"eventLoopPoolSize":"x"}} started on the default).
   * What the options read back as JSON must hold every value given, as given.
   */
  private static JsonObject requireApplied(String option, JsonObject given, UnaryOperator<JsonObject> applied) {
    if (given == null) {
      return null;
    }
    String ignored = firstIgnored(given, applied.apply(given), "");
    if (ignored != null) {
      InvalidConfigException notApplied = new InvalidConfigException("invalid configuration: " + option + ": "
        + ignored + " is not a Vert.x option of that name and type, and would be ignored");
      log.error("{}", notApplied.getMessage());
      throw notApplied;
    }
    return given;
  }

  /** The path and value of the first entry of {@code given} that {@code applied} lacks or holds otherwise, or null. */
  private static String firstIgnored(JsonObject given, JsonObject applied, String prefix) {
    for (String name : given.fieldNames()) {
      Object value = given.getValue(name);
      Object kept = applied.getValue(name);
      String path = prefix + name;
      if (value instanceof JsonObject nested && kept instanceof JsonObject keptNested) {
        String inner = firstIgnored(nested, keptNested, path + ".");
        if (inner != null) {
          return inner;
        }
      } else if (!sameValue(value, kept)) {
        return path + " " + Json.encode(value);
      }
    }
    return null;
  }

  private static boolean sameValue(Object value, Object kept) {
    if (value instanceof Number number && kept instanceof Number keptNumber) {
      return number.doubleValue() == keptNumber.doubleValue();
    }
    return Objects.equals(value, kept);
  }

  @Override
  public JsonObject afterConfigParsed(JsonObject conf) {
    try {
      if (conf == null && confArgument != null) {
        // Vert.x's launcher only warns and starts on the defaults; a server on a configuration nobody wrote is worse.
        throw ConfigLoader.unreadableJsonArgument("-conf", confArgument);
      }
      config = ConfigLoader.forProcess().load(conf);
      transport = config.transport().resolve();
      if (config.logFormat() == EchoConfig.LogFormat.JSON) {
        LogFormats.useJson();
      }
    } catch (InvalidConfigException e) {
      log.error("{}", e.getMessage());
      throw e;
    }
    return conf;
  }

  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    return Vertx.builder().with(config.admin().enabled() ? Metrics.enable(options) : options).withTransport(transport);
  }

  @Override
  public void beforeDeployingVerticle(HookContext context) {
    if (isServer(context)) {
      if (instancesOnCommandLine) {
        try {
          config = config.with("instances", context.deploymentOptions().getInstances());
        } catch (InvalidConfigException e) {
          // The launcher turns an exception from a hook into exit status 1 without a word.
          log.error("{}", e.getMessage());
          throw e;
        }
      } else {
        context.deploymentOptions().setInstances(config.instances());
      }
    }
    context.deploymentOptions().setConfig(config.toJson());
  }

  @Override
  public void afterVerticleDeployed(HookContext context) {
    if (isServer(context)) {
      TcpServerDeployment server = TcpServerDeployment.announce(context.vertx(), context.deploymentId(), config);
      List<AdminVerticle.Readiness> alongside = new ArrayList<>();
      if (config.udp().enabled()) {
        alongside.add(startUdp(context.vertx()).readiness());
      }
      serving = true;
      if (config.admin().enabled()) {
        server.startAdmin(config.admin(), adminRoutes(server), alongside).await();
      }
      if (config.tls().enabled()) {
        reloadCertificateOnSighup(context.vertx());
      }
    } else if (ClientVerticle.class.getName().equals(context.mainVerticle())) {
      // The client's work is done once it is deployed; closing Vert.x lets the process end.
      context.vertx().close();
    }
  }

  /**
   * A start that fails while deploying with echoloop's own one-line error (a TLS file missing or not parsing, a port
   * in use) says so in that one line and exits with the launcher's deployment-failure status; the launcher would log
   * "Failed in deploying verticle" and the exception as well. This hook runs before the launcher's log line, hence
   * the exit here. Any other failure keeps the launcher's report, stack trace included.
   */
  @Override
  public void afterFailureToDeployVerticle(HookContext context, Throwable failure) {
    if (failure instanceof InvalidConfigException) {
      log.error("{}", failure.getMessage());
      System.exit(ExitCodes.VERTX_DEPLOYMENT);
    }
  }

  /**
   * A UDP port that cannot be bound fails the start as a TCP one does: one line, and the launcher's deployment-failure
   * exit status (the hooks run after the launcher's own error handling, so the exit is made here).
   */
  private UdpServerDeployment startUdp(Vertx vertx) {
    try {
      return UdpServerDeployment.deploy(vertx, config).await();
    } catch (RuntimeException e) {
      log.error("{}", e instanceof InvalidConfigException ? e.getMessage() : e.toString());
      System.exit(ExitCodes.VERTX_DEPLOYMENT);
      throw e;
    }
  }

  /**
   * Runs in the JVM shutdown hook once every verticle has stopped. A JVM ended by SIGTERM exits with 143 even when the
   * shutdown went well; halting here makes a clean graceful stop of a serving server exit 0, which is what service
   * managers expect. Any other exit (a failed start, System.exit with a code) keeps its own status.
   */
  @Override
  public void afterVertxStopped(HookContext context) {
    if (serving) {
      log.info("echoloop stopped");
    }
    // Logging goes through a queue whose worker is a daemon thread; halt and exit would drop what it still holds.
    NeverBlockingAppender.flushAndStop();
    if (serving) {
      System.out.flush();
      Runtime.getRuntime().halt(0);
    }
  }

  /**
   * What parts other than the echo server serve on the admin port, beside {@code /metrics}, {@code /health} and
   * {@code /ready}: the live view's page, its event stream and {@code /connections}.
   */
  private static List<AdminRoutes> adminRoutes(TcpServerDeployment server) {
    return List.of(new LiveView(server));
  }

  /** The conventional signal for "re-read your certificates", as nginx and HAProxy use it. */
  private static void reloadCertificateOnSighup(Vertx vertx) {
    Signal.handle(new Signal("HUP"), signal -> vertx.eventBus().publish(TcpServerVerticle.RELOAD_TLS_ADDRESS, null));
  }

  /**
   * The value of the launcher option with one of these names (picocli takes {@code -name VALUE}, {@code --name VALUE}
   * and {@code -name=VALUE}), or null.
   */
  private static String argument(String[] args, String... names) {
    for (int i = 0; i < args.length; i++) {
      for (String name : names) {
        if ((args[i].equals("-" + name) || args[i].equals("--" + name)) && i + 1 < args.length) {
          return args[i + 1];
        }
        if (args[i].startsWith("-" + name + "=") || args[i].startsWith("--" + name + "=")) {
          return args[i].substring(args[i].indexOf('=') + 1);
        }
      }
    }
    return null;
  }

  private static boolean isServer(HookContext context) {
    return TcpServerVerticle.class.getName().equals(context.mainVerticle());
  }
}
