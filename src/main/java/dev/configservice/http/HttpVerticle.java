package dev.configservice.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the HTTP API. One instance per core, all listening on the same port; they share the store, the
 * cache and the in-flight bound through {@link HttpDependencies}.
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger ACCESS = LoggerFactory.getLogger("dev.configservice.access");

  private final HttpDependencies deps;
  private HttpServer server;
  private DirectWrites directWrites;
  private ConfigHandlers configHandlers;
  private ConnectionLimit connectionLimit;
  private IdleConnections idleConnections;
  private long idleSweep = -1;

  public HttpVerticle(HttpDependencies deps) {
    this.deps = deps;
  }

  @Override
  public Future<?> start() {
    Router router = router();
    connectionLimit = new ConnectionLimit(vertx, deps);
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(deps.config().host())
        .setPort(deps.config().port())
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        // No Vert.x idle timeout: IdleConnections closes idle connections for less CPU per request.
        // Every response is written on its connection's event loop (store completions come back on the caller's
        // context), so each connection can skip Vert.x's outbound message queue, whose first chunk (a 1,025-slot
        // array, ~4 KiB) every connection otherwise allocates: 10,000 idle connections held 42 MiB of it.
        // A write from another thread fails loudly (IllegalStateException) instead of being queued.
        .setStrictThreadMode(true)
        // HTTP/1.1 only (the load balancer speaks it to its targets): without h2c detection a connection is set up,
        // and counted against MAX_CONNECTIONS, when it opens rather than when its first bytes arrive.
        .setHttp2ClearTextEnabled(false));
    idleConnections = new IdleConnections(deps.config().idleTimeout());
    idleSweep = vertx.setPeriodic(idleConnections.sweepInterval().toMillis(), id -> idleConnections.sweep());
    return server.connectionHandler(connection -> {
      connectionLimit.opened(connection);
      idleConnections.opened(connection);
      connection.closeHandler(v -> {
        connectionLimit.closed(connection);
        idleConnections.closed(connection);
      });
    }).requestHandler(request -> {
      idleConnections.requestBegun(request.connection());
      if (connectionLimit.refuse(request)) {
        return;
      }
      if (request.path().indexOf('%') >= 0 && !validPercentEncoding(request.path())) {
        // vertx-web cannot normalise such a path and would answer 500; it is the client's mistake.
        Problem.badRequest("the path is not validly percent-encoded").send(request.response());
        return;
      }
      if (!ACCESS.isDebugEnabled()
          && (CachedReads.tryAnswer(request, deps.cache(), configHandlers) || directWrites.tryHandle(request))) {
        return; // cached read or plain write served without the router; per-request logging needs the router
      }
      router.handle(request);
    }).listen().onSuccess(s -> deps.actualPort().set(s.actualPort()));
  }

  /** Stops accepting and lets in-flight requests finish, up to the shutdown timeout. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(idleSweep);
    return server == null ? Future.succeededFuture()
        : server.shutdown(deps.config().shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private Router router() {
    ConfigHandlers config = new ConfigHandlers(vertx, deps.store(), deps.cache(), deps.config().maxValueBytes());
    configHandlers = config;
    directWrites = new DirectWrites(config, deps);
    HealthHandlers health = new HealthHandlers(deps.readiness(), deps.registry(), deps.openApiDocument());
    BodyHandler body = BodyHandler.create(false).setBodyLimit(deps.config().maxBodyBytes());
    Router router = Router.router(vertx);

    router.route().handler(this::admit);
    if (ACCESS.isDebugEnabled()) {
      router.route().handler(HttpVerticle::logAccess);
    }
    // Route names are the metrics' route label. Writes: the body handler refuses a body over the limit (413)
    // without buffering past it, then a body that is not JSON is refused (415).
    router.get("/config").setName("/config").handler(config::list);
    router.post("/config").setName("/config").handler(body).handler(HttpVerticle::requireJson).handler(config::post);
    router.getWithRegex("/config/.+").setName("/config/{key}").handler(config::get);
    router.putWithRegex("/config/.+").setName("/config/{key}").handler(body).handler(HttpVerticle::requireJson)
        .handler(config::put);
    router.deleteWithRegex("/config/.+").setName("/config/{key}").handler(config::delete);
    router.get("/history").setName("/history").handler(config::history);
    router.post("/rollback").setName("/rollback").handler(body).handler(HttpVerticle::requireJson)
        .handler(config::rollback);
    router.get("/health/live").setName("/health/live").handler(health::live);
    router.get("/health/ready").setName("/health/ready").handler(health::ready);
    router.get("/metrics").setName("/metrics").handler(health::metrics);
    router.get("/openapi.yaml").setName("/openapi.yaml").handler(health::openApi);

    router.route().failureHandler(Failures::handle);
    for (int status : new int[] {400, 404, 405, 413, 415, 500}) {
      router.errorHandler(status, Failures::handle);
    }
    return router;
  }

  /** The methods a path supports, for the Allow header of a 405. */
  static String allowedMethods(String path) {
    if (path.equals("/config") || path.equals("/config/")) {
      return "GET, POST";
    }
    if (path.startsWith("/config/")) {
      return "GET, PUT, DELETE";
    }
    if (path.equals("/rollback")) {
      return "POST";
    }
    if (path.equals("/history") || path.startsWith("/health/") || path.equals("/metrics") || path.equals("/openapi.yaml")) {
      return "GET";
    }
    return null;
  }

  /**
   * Bounds the requests in progress on this instance: beyond MAX_IN_FLIGHT a request is answered 503 at once
   * instead of queueing without limit. Health checks are always admitted, so an overloaded instance is not
   * mistaken for a dead one.
   */
  private void admit(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (request.path().startsWith("/health/")) {
      ctx.next();
      return;
    }
    long admitted = deps.admission().tryAdmit(request);
    if (admitted < 0) {
      ctx.response().putHeader("Retry-After", "1");
      Failures.forStatus(503, ctx).send(ctx.response());
      return;
    }
    ctx.addEndHandler(v -> deps.admission().release(admitted));
    ctx.next();
  }

  private static void requireJson(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !isJson(type)) {
      ctx.fail(415);
      return;
    }
    ctx.next();
  }

  static boolean isJson(String contentType) {
    int semi = contentType.indexOf(';');
    String mime = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    return mime.equals("application/json") || (mime.startsWith("application/") && mime.endsWith("+json"));
  }

  private static void logAccess(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(v -> ACCESS.debug("{} {} {} {}µs", ctx.request().method(), ctx.request().uri(),
        ctx.response().getStatusCode(), (System.nanoTime() - start) / 1000));
    ctx.next();
  }

  static boolean validPercentEncoding(String path) {
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '%') {
        if (i + 2 >= path.length() || Character.digit(path.charAt(i + 1), 16) < 0
            || Character.digit(path.charAt(i + 2), 16) < 0) {
          return false;
        }
        i += 2;
      }
    }
    return true;
  }

  static JsonObject status(String status) {
    return new JsonObject().put("status", status);
  }
}
