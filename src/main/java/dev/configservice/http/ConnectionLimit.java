package dev.configservice.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Bounds the open HTTP connections of this instance (MAX_CONNECTIONS), so that a flood of connections cannot run
 * the heap out: each keep-alive connection holds a few KiB of it whether or not it sends anything. A connection
 * beyond the bound is still accepted (refusing at the socket would give clients a reset, not an answer): its
 * first request is answered {@code 503 overloaded} with {@code Retry-After: 1}, after which the connection is
 * closed, and one that sends nothing (or only health checks) is closed after a second. One instance per HTTP verticle: connections and
 * their requests stay on that verticle's event loop, so the set of refused connections needs no lock; the count
 * is shared by all of them.
 */
final class ConnectionLimit {

  private static final long IDLE_REFUSED_MS = 1000;

  private final Vertx vertx;
  private final HttpDependencies deps;
  private final Set<HttpConnection> refused = Collections.newSetFromMap(new IdentityHashMap<>());

  ConnectionLimit(Vertx vertx, HttpDependencies deps) {
    this.vertx = vertx;
    this.deps = deps;
  }

  /** Counts a new connection; marks it refused when it is beyond the bound. */
  void opened(HttpConnection connection) {
    boolean over = deps.connections().incrementAndGet() > deps.config().maxConnections();
    if (over) {
      refused.add(connection);
      deps.connectionsRefused().increment();
      vertx.setTimer(IDLE_REFUSED_MS, id -> {
        if (refused.contains(connection)) {
          connection.close();
        }
      });
    }
  }

  /** Uncounts a closed connection. */
  void closed(HttpConnection connection) {
    deps.connections().decrementAndGet();
    if (!refused.isEmpty()) {
      refused.remove(connection);
    }
  }

  /**
   * Answers the request 503 and closes its connection when that connection is beyond the bound. Health checks
   * are served (their connection still closes after a second), so that a load balancer does not take an instance
   * that is full of connections for a dead one.
   */
  boolean refuse(HttpServerRequest request) {
    if (refused.isEmpty() || !refused.contains(request.connection()) || request.path().startsWith("/health/")) {
      return false;
    }
    HttpServerResponse response = request.response();
    if (response.headWritten() || response.ended()) {
      return true; // a pipelined request after the refused one: the connection is closing
    }
    // Closed once the answer is written: closing at once could drop an answer not yet flushed.
    response.setStatusCode(503).putHeader("Content-Type", Problem.CONTENT_TYPE).putHeader("Cache-Control", "no-store")
        .putHeader("Retry-After", "1").putHeader("Connection", "close")
        .end(Problem.of(503, "overloaded", "Service unavailable", "this instance holds the most connections it takes ("
            + deps.config().maxConnections() + "); retry shortly, on a new connection").toJson().toBuffer())
        .onComplete(ar -> request.connection().close());
    return true;
  }
}
