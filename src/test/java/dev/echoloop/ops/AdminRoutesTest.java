package dev.echoloop.ops;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.tcp.TcpServerDeployment;
import dev.echoloop.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Other parts add their routes to the admin server without shadowing metrics, health or readiness. */
@ExtendWith(VertxExtension.class)
class AdminRoutesTest {

  private int adminPort;
  private HttpClient client;

  @BeforeEach
  void deployServerWithAnExtraRoute(Vertx vertx, VertxTestContext ctx) {
    EchoConfig config = TestConfigs.loopback(1).with("admin", new JsonObject().put("port", 0));
    AdminRoutes extra = (router, routerVertx) -> {
      router.get("/hello").handler(request -> request.response().end("hello from a contributor"));
      router.get("/ready").handler(request -> request.response().end("shadowed"));
      router.get("/broken").handler(request -> {
        throw new IllegalStateException("a contributor's bug");
      });
    };
    TcpServerDeployment.deploy(vertx, config)
      .compose(server -> server.startAdmin(config.admin(), List.of(extra)))
      .onComplete(ctx.succeeding(admin -> {
        adminPort = admin.actualPort();
        ctx.completeNow();
      }));
  }

  @Test
  void servesAContributedRoute(Vertx vertx, VertxTestContext ctx) {
    get(vertx, "/hello").onComplete(ctx.succeeding(body -> ctx.verify(() -> {
      assertThat(body).isEqualTo("200 hello from a contributor");
      ctx.completeNow();
    })));
  }

  @Test
  void keepsItsOwnAnswersForItsOwnPaths(Vertx vertx, VertxTestContext ctx) {
    get(vertx, "/ready").onComplete(ctx.succeeding(body -> ctx.verify(() -> {
      assertThat(body).isEqualTo("200 {\"status\":\"READY\"}");
      ctx.completeNow();
    })));
  }

  @Test
  void answersAnUnknownPathWithAJson404(Vertx vertx, VertxTestContext ctx) {
    get(vertx, "/nothing-here").onComplete(ctx.succeeding(body -> ctx.verify(() -> {
      assertThat(body).isEqualTo("404 {\"error\":\"not found: /nothing-here\"}");
      ctx.completeNow();
    })));
  }

  @Test
  void answersAPathThatCannotBeDecodedWithAJson400(Vertx vertx, VertxTestContext ctx) {
    get(vertx, "/%zz").onComplete(ctx.succeeding(body -> ctx.verify(() -> {
      assertThat(body).isEqualTo("400 {\"error\":\"bad request: cannot decode /%zz\"}");
      ctx.completeNow();
    })));
  }

  @Test
  void answersAFailingRouteWithAJson500(Vertx vertx, VertxTestContext ctx) {
    get(vertx, "/broken").onComplete(ctx.succeeding(body -> ctx.verify(() -> {
      assertThat(body).isEqualTo("500 {\"error\":\"internal error: java.lang.IllegalStateException: a contributor's bug\"}");
      ctx.completeNow();
    })));
  }

  @Test
  void saysMetricsAreOffWhenVertxCollectsNone(Vertx vertx, VertxTestContext ctx) {
    get(vertx, "/metrics").onComplete(ctx.succeeding(body -> ctx.verify(() -> {
      assertThat(body).isEqualTo("503 {\"error\":\"metrics are not enabled\"}");
      ctx.completeNow();
    })));
  }

  /** The status code and body, as one string. */
  private Future<String> get(Vertx vertx, String path) {
    // Held in a field: Vert.x 5 closes an HTTP client that becomes unreachable, so a garbage collection during the
    // request would close its pool under it ("Pool closed", or a request that never completes).
    client = vertx.createHttpClient();
    return client
      .request(HttpMethod.GET, adminPort, "127.0.0.1", path)
      .compose(request -> request.send())
      .compose(response -> response.body().map(body -> response.statusCode() + " " + body));
  }
}
