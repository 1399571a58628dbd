package dev.configservice.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.api.RunningService;
import dev.configservice.domain.StoreTimeoutException;
import dev.configservice.domain.StoreUnavailableException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The failure mapping for outcomes the store-backed API tests cannot provoke on demand. */
@ExtendWith(VertxExtension.class)
class FailuresTest {

  private static HttpResponse<Buffer> answerTo(Vertx vertx, Throwable failure) throws Exception {
    Router router = Router.router(vertx);
    router.get("/boom").handler(ctx -> ctx.fail(failure));
    router.route().failureHandler(Failures::handle);
    HttpServer server = RunningService.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    WebClient client = WebClient.create(vertx);
    try {
      return RunningService.await(client.get(server.actualPort(), "127.0.0.1", "/boom").send());
    } finally {
      client.close();
      RunningService.await(server.close());
    }
  }

  @Test
  void unexpectedFailuresAre500WithoutInternals(Vertx vertx) throws Exception {
    HttpResponse<Buffer> r = answerTo(vertx, new IllegalStateException("secret internal detail"));
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(r.bodyAsString()).doesNotContain("secret").doesNotContain("IllegalStateException").doesNotContain("at dev.");
    assertThat(r.bodyAsJsonObject().getString("title")).isEqualTo("Internal server error");
  }

  @Test
  void storeOutagesAre503WithRetryAfterAndTimeoutsAre504(Vertx vertx) throws Exception {
    HttpResponse<Buffer> throttled = answerTo(vertx,
        StoreUnavailableException.throttled("throttled by DynamoDB", Duration.ofMillis(2500), null));
    assertThat(throttled.statusCode()).isEqualTo(503);
    assertThat(throttled.getHeader("Retry-After")).isEqualTo("3");
    assertThat(throttled.bodyAsJsonObject().getString("type")).endsWith("store-throttled");

    HttpResponse<Buffer> down = answerTo(vertx, new StoreUnavailableException("connection refused", Duration.ZERO));
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.getHeader("Retry-After")).isEqualTo("1");

    HttpResponse<Buffer> slow = answerTo(vertx, new StoreTimeoutException("took too long", null));
    assertThat(slow.statusCode()).isEqualTo(504);
    JsonObject problem = slow.bodyAsJsonObject();
    assertThat(problem.getString("detail")).contains("may or may not have been applied");
  }

  @Test
  void statusesWithoutAFailureGetProblemsToo(Vertx vertx) throws Exception {
    Router router = Router.router(vertx);
    router.get("/teapot").handler(ctx -> ctx.fail(418));
    router.get("/bad").handler(ctx -> ctx.fail(400));
    router.route().failureHandler(Failures::handle);
    HttpServer server = RunningService.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    WebClient client = WebClient.create(vertx);
    HttpResponse<Buffer> teapot = RunningService.await(client.get(server.actualPort(), "127.0.0.1", "/teapot").send());
    assertThat(teapot.statusCode()).isEqualTo(418);
    assertThat(teapot.bodyAsJsonObject().getInteger("status")).isEqualTo(418);
    HttpResponse<Buffer> bad = RunningService.await(client.get(server.actualPort(), "127.0.0.1", "/bad").send());
    assertThat(bad.bodyAsJsonObject().getInteger("status")).isEqualTo(400);
    client.close();
    RunningService.await(server.close());
  }

  @Test
  void contentTypesAndPercentEncoding() {
    assertThat(HttpVerticle.isJson("application/json; charset=utf-8")).isTrue();
    assertThat(HttpVerticle.isJson("Application/JSON")).isTrue();
    assertThat(HttpVerticle.isJson("application/problem+json")).isTrue();
    assertThat(HttpVerticle.isJson("text/json")).isFalse();
    assertThat(HttpVerticle.validPercentEncoding("/a%2Fb")).isTrue();
    assertThat(HttpVerticle.validPercentEncoding("/a%2")).isFalse();
    assertThat(HttpVerticle.validPercentEncoding("/a%zz")).isFalse();
    assertThat(HttpVerticle.allowedMethods("/elsewhere")).isNull();
  }
}
