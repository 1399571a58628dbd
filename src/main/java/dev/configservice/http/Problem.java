package dev.configservice.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** An RFC 9457 problem detail: what went wrong, as {@code application/problem+json}. */
public record Problem(int status, String type, String title, String detail) {

  public static final String CONTENT_TYPE = "application/problem+json";
  private static final String TYPE_BASE = "https://config-service.dev/problems/";

  public static Problem of(int status, String slug, String title, String detail) {
    return new Problem(status, TYPE_BASE + slug, title, detail);
  }

  public static Problem badRequest(String detail) {
    return of(400, "bad-request", "Bad request", detail);
  }

  public static Problem notFound(String detail) {
    return of(404, "not-found", "Not found", detail);
  }

  public JsonObject toJson() {
    return new JsonObject().put("type", type).put("title", title).put("status", status).put("detail", detail);
  }

  /** Writes this problem as the response, unless a response has already started. */
  public void send(HttpServerResponse response) {
    if (response.headWritten() || response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).putHeader("Cache-Control", "no-store")
        .end(toJson().toBuffer());
  }
}
