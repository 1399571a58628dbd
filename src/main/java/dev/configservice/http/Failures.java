package dev.configservice.http;

import dev.configservice.domain.ConfigNotFoundException;
import dev.configservice.domain.InvalidCursorException;
import dev.configservice.domain.InvalidKeyException;
import dev.configservice.domain.PreconditionFailedException;
import dev.configservice.domain.StoreTimeoutException;
import dev.configservice.domain.StoreOverloadedException;
import dev.configservice.domain.StoreUnavailableException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where failures become HTTP answers: RFC 9457 problem details, never a stack trace. */
final class Failures {

  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

  private Failures() {
  }

  /** Failure handler of every route. */
  static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    send(request, response, failure == null ? forStatus(ctx.statusCode(), request, response)
        : forFailure(failure, request, response), failure);
  }

  /** Answers a request handled outside the router (the direct write path) the way {@link #handle} would. */
  static void answer(HttpServerRequest request, HttpServerResponse response, Throwable failure) {
    send(request, response, forFailure(failure, request, response), failure);
  }

  private static void send(HttpServerRequest request, HttpServerResponse response, Problem problem,
                           Throwable failure) {
    if (problem.status() == 503) {
      response.putHeader("Retry-After", response.headers().get("Retry-After") == null ? "1"
          : response.headers().get("Retry-After"));
    }
    if (problem.status() == 500) {
      LOG.error("unexpected failure on {} {}", request.method(), request.path(), failure);
    }
    problem.send(response);
  }

  private static Problem forFailure(Throwable failure, HttpServerRequest request, HttpServerResponse response) {
    if (failure instanceof BadRequestException bad) {
      return bad.problem();
    }
    if (failure instanceof ConfigNotFoundException) {
      return Problem.notFound(failure.getMessage());
    }
    if (failure instanceof PreconditionFailedException conflict) {
      if (conflict.currentVersion() > 0) {
        response.putHeader("ETag", EntryJson.etag(conflict.currentVersion()));
      }
      return Problem.of(412, "precondition-failed", "Precondition failed", conflict.getMessage());
    }
    if (failure instanceof InvalidKeyException) {
      return Problem.of(400, "invalid-key", "Invalid key", failure.getMessage());
    }
    if (failure instanceof InvalidCursorException) {
      return Problem.of(400, "invalid-cursor", "Invalid cursor", failure.getMessage());
    }
    if (failure instanceof StoreOverloadedException) {
      // Shedding must stay cheap: no log line per refused write (config_store_shed_total counts them).
      return Problem.of(503, "overloaded", "Service unavailable",
          "the store is at its write capacity; nothing was changed; retry shortly");
    }
    if (failure instanceof StoreUnavailableException unavailable) {
      long seconds = Math.max(1, (unavailable.retryAfter().toMillis() + 999) / 1000);
      response.putHeader("Retry-After", Long.toString(seconds));
      LOG.warn("store unavailable on {} {}: {}", request.method(), request.path(), failure.getMessage());
      return Problem.of(503, unavailable.throttled() ? "store-throttled" : "store-unavailable",
          "Service unavailable", failure.getMessage() + "; retry after " + seconds + " s");
    }
    if (failure instanceof StoreTimeoutException) {
      LOG.warn("store timeout on {} {}: {}", request.method(), request.path(), failure.getMessage());
      return Problem.of(504, "store-timeout", "Gateway timeout",
          "the store did not answer in time; a write may or may not have been applied, read the key to find out");
    }
    if (failure instanceof HttpException http) {
      return forStatus(http.getStatusCode(), request, response);
    }
    return forStatus(500, request, response);
  }

  /** Problems for the statuses that vertx-web itself reaches (no route, wrong method, body too large …). */
  static Problem forStatus(int status, RoutingContext ctx) {
    return forStatus(status, ctx.request(), ctx.response());
  }

  static Problem forStatus(int status, HttpServerRequest request, HttpServerResponse response) {
    String method = request.method().name();
    String path = request.path();
    return switch (status) {
      case 400 -> Problem.badRequest("the request could not be read");
      case 404 -> Problem.notFound("no resource at " + method + " " + path + "; see /openapi.yaml");
      case 405 -> methodNotAllowed(response, method, path);
      case 413 -> Problem.of(413, "body-too-large", "Payload too large",
          "the request body is larger than this service accepts (MAX_VALUE_BYTES plus 16 KiB)");
      case 415 -> Problem.of(415, "unsupported-media-type", "Unsupported media type",
          "send the body as application/json");
      case 503 -> Problem.of(503, "overloaded", "Service unavailable", "the service is overloaded; retry shortly");
      default -> status >= 400 && status < 500
          ? Problem.of(status, "client-error", "Client error", "the request was refused (" + status + ")")
          : Problem.of(500, "internal-error", "Internal server error",
              "the service failed to answer this request; it has been logged");
    };
  }

  private static Problem methodNotAllowed(HttpServerResponse response, String method, String path) {
    String allow = HttpVerticle.allowedMethods(path);
    if (allow != null) {
      response.putHeader("Allow", allow);
    }
    return Problem.of(405, "method-not-allowed", "Method not allowed",
        method + " is not allowed on " + path + (allow == null ? "" : "; allowed: " + allow));
  }
}
