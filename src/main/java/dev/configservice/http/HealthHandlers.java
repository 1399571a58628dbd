package dev.configservice.http;

import dev.configservice.health.Readiness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Liveness, readiness, metrics and the API description. */
final class HealthHandlers {

  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;
  private final Buffer openApi;

  HealthHandlers(Readiness readiness, PrometheusMeterRegistry registry, Buffer openApi) {
    this.readiness = readiness;
    this.registry = registry;
    this.openApi = openApi;
  }

  /** Alive as long as the event loop answers. */
  void live(RoutingContext ctx) {
    json(ctx, 200, HttpVerticle.status("UP"));
  }

  /** Ready while the store answers and the instance is not shutting down. */
  void ready(RoutingContext ctx) {
    boolean ready = readiness.ready();
    JsonObject store = new JsonObject().put("status", readiness.storeUp() ? "UP" : "DOWN");
    if (readiness.storeProblem() != null) {
      store.put("detail", readiness.storeProblem());
    }
    JsonObject body = HttpVerticle.status(ready ? "UP" : "DOWN")
        .put("checks", new JsonObject().put("store", store).put("shuttingDown", readiness.shuttingDown()));
    if (!ready) {
      ctx.response().putHeader("Retry-After", "1");
    }
    json(ctx, ready ? 200 : 503, body);
  }

  void metrics(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .putHeader("Cache-Control", "no-store").end(registry.scrape());
  }

  void openApi(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/yaml").end(openApi);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").end(body.toBuffer());
  }
}
