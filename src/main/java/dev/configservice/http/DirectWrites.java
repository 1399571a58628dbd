package dev.configservice.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Serves the plain {@code POST /config} (JSON body with a Content-Length within the limit) without the router:
 * the service's hot write path, as {@link CachedReads} is its hot read path. It gives the answers the routed
 * handler gives — the same admission bound, body parsing, statuses, problem details and metrics route label —
 * because it calls the same handler code; it only skips the router's per-request work. Anything unusual
 * (no Content-Length, chunked, not JSON, too large, a query string) goes through the router, which owns
 * those answers.
 */
final class DirectWrites {

  static final String ROUTE = "/config";

  private final ConfigHandlers handlers;
  private final HttpDependencies deps;
  private final long maxBodyBytes;

  DirectWrites(ConfigHandlers handlers, HttpDependencies deps) {
    this.handlers = handlers;
    this.deps = deps;
    this.maxBodyBytes = deps.config().maxBodyBytes();
  }

  /** True when this path took the request; false to route it normally. */
  boolean tryHandle(HttpServerRequest request) {
    if (request.method() != HttpMethod.POST || !ROUTE.equals(request.uri())) {
      return false;
    }
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (type == null || length == null || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null
        || !HttpVerticle.isJson(type)) {
      return false;
    }
    long declared;
    try {
      declared = Long.parseLong(length);
    } catch (NumberFormatException e) {
      return false;
    }
    if (declared <= 0 || declared > maxBodyBytes) {
      return false;
    }
    request.routed(ROUTE);
    HttpServerResponse response = request.response();
    if (!admit(request, response)) {
      return true;
    }
    request.body().onComplete(ar -> {
      if (ar.failed()) {
        Failures.answer(request, response, new BadRequestException("the request body could not be read"));
        return;
      }
      try {
        handlers.post(request, ar.result(), failure -> Failures.answer(request, response, failure));
      } catch (RuntimeException e) {
        Failures.answer(request, response, e);
      }
    });
    return true;
  }

  /**
   * The router's admission step: 503 beyond MAX_IN_FLIGHT requests or MAX_IN_FLIGHT_BYTES of bodies, released once
   * answered or closed.
   */
  private boolean admit(HttpServerRequest request, HttpServerResponse response) {
    long admitted = deps.admission().tryAdmit(request);
    if (admitted < 0) {
      response.putHeader("Retry-After", "1");
      Failures.forStatus(503, request, response).send(response);
      return false;
    }
    boolean[] released = new boolean[1];
    Runnable release = () -> {
      if (!released[0]) {
        released[0] = true;
        deps.admission().release(admitted);
      }
    };
    response.endHandler(v -> release.run());
    response.closeHandler(v -> release.run());
    return true;
  }
}
