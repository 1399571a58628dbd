package dev.configservice.http;

import dev.configservice.cache.CachedEntry;
import dev.configservice.cache.ConfigCache;
import dev.configservice.domain.ConfigKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Answers {@code GET /config/{key}} from the cache. The hot path of the service: the HTTP verticle tries it
 * before the router, so a cached read costs a key check, a cache lookup and a write, with the same answer the
 * routed handler gives (status, ETag, 304, headers, metrics route label). Anything else, a miss, an absent
 * key or an unusual request, goes through the router. A hit late in its entry's TTL also starts the background
 * re-read that keeps a key in use from expiring ({@link ConfigHandlers#refreshIfDue}).
 */
final class CachedReads {

  static final CharSequence ROUTE = "/config/{key}";
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");

  private CachedReads() {
  }

  /** True when the request was answered from the cache; false to route it normally. */
  static boolean tryAnswer(HttpServerRequest request, ConfigCache cache, ConfigHandlers handlers) {
    if (request.method() != HttpMethod.GET) {
      return false;
    }
    String uri = request.uri();
    if (!uri.startsWith(ConfigHandlers.CONFIG_PREFIX) || uri.indexOf('?') >= 0 || uri.indexOf('%') >= 0) {
      return false;
    }
    String key = uri.substring(ConfigHandlers.CONFIG_PREFIX.length());
    if (ConfigKey.problemWith(key) != null) {
      return false; // the router answers with the right problem
    }
    CachedEntry cached = cache.lookupLive(key);
    if (cached == null) {
      return false;
    }
    request.routed(ROUTE.toString());
    answer(request, request.response(), cached);
    handlers.refreshIfDue(key, cached);
    return true;
  }

  /** The answer to a GET of a live cached entry: 304 when If-None-Match names it, else 200 with the body. */
  static void answer(HttpServerRequest request, HttpServerResponse response, CachedEntry cached) {
    response.headers().add(HttpHeaders.ETAG, cached.etag()).add(HttpHeaders.CACHE_CONTROL, NO_CACHE);
    if (Conditions.notModified(request.getHeader(HttpHeaders.IF_NONE_MATCH), cached.version())) {
      response.setStatusCode(304).end();
      return;
    }
    response.headers().add(HttpHeaders.CONTENT_TYPE, JSON);
    response.end(Buffer.buffer(cached.body()));
  }
}
