package dev.configservice.http;

import dev.configservice.cache.CachedEntry;
import dev.configservice.cache.ConfigCache;
import dev.configservice.domain.ConfigChanged;
import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.ConfigNotFoundException;
import dev.configservice.domain.ConfigStore;
import dev.configservice.domain.Page;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.PutResult;
import dev.configservice.domain.StoreTimeoutException;
import dev.configservice.domain.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The configuration API. Each handler validates, acts, and answers; every failure goes to
 * {@link Failures} through {@code ctx.fail}, the one place that maps failures to statuses.
 */
final class ConfigHandlers {

  static final String CONFIG_PREFIX = "/config/";
  private static final Set<String> POST_FIELDS = Set.of("key", "value");
  private static final Set<String> PUT_FIELDS = Set.of("key", "value");
  private static final Set<String> ROLLBACK_FIELDS = Set.of("key", "version");
  private static final String JSON = "application/json";
  private static final CharSequence JSON_TYPE = HttpHeaders.createOptimized(JSON);
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  private static final CharSequence CACHE_STATUS = HttpHeaders.createOptimized("Cache-Status");
  /** Background refreshes (and shared misses) in progress per event loop beyond which no refresh starts. */
  static final int MAX_BACKGROUND_READS = 256;
  /** Keys a background re-read sends to the store at once (one DynamoDB BatchGetItem). */
  static final int REFRESH_BATCH = 100;
  /** Store reads for cache misses an event loop sends one by one; beyond them, misses wait and go together. */
  static final int MAX_MISS_READS_IN_FLIGHT = 4;

  private final Vertx vertx;
  private final ConfigStore store;
  private final ConfigCache cache;
  private final EventBus eventBus;
  private final RequestBodies bodies;
  /** Store reads in progress, by key; one ConfigHandlers per HTTP verticle, so only its event loop touches it. */
  private final Map<String, Read> reading = new HashMap<>();
  /**
   * Keys due for a background re-read, gathered for one store call, each with the cache's write stamp of its key
   * when it was claimed; with the re-reads sent and not yet answered, this event loop's background reads.
   */
  private Map<ConfigKey, Long> refreshQueue = new HashMap<>();
  private int refreshesInFlight;
  private long refreshTimer = -1;
  /** Store reads for cache misses sent by this event loop and not yet answered. */
  private int missReadsInFlight;
  /** Cache misses waiting for one of those to answer, to be read together ({@link ConfigStore#getMany}). */
  private Map<ConfigKey, Promise<Optional<ConfigEntry>>> missQueue = new HashMap<>();

  /** A store read and the cache's write stamp of its key when it started ({@link ConfigCache#readStamp}). */
  private record Read(long stamp, Future<Optional<ConfigEntry>> result) {
  }

  ConfigHandlers(Vertx vertx, ConfigStore store, ConfigCache cache, int maxValueBytes) {
    this.vertx = vertx;
    this.store = store;
    this.cache = cache;
    this.eventBus = vertx.eventBus();
    this.bodies = new RequestBodies(maxValueBytes);
  }

  /** GET /config/{key}[?version=N]: from the cache when it knows the key, else from the store. */
  void get(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    ConfigKey key = RequestBodies.key(keyFromPath(request));
    String version = request.getParam("version");
    if (version != null) {
      getVersion(ctx, key, parseVersion(version));
      return;
    }
    CachedEntry cached = cache.lookup(key.value());
    if (cached != null) {
      answerCached(ctx, key, cached);
      refreshIfDue(key.value(), cached);
      return;
    }
    Read read = read(key);
    read.result().onComplete(ar -> {
      if (ar.failed()) {
        CachedEntry stale = storeFailed(ar.cause()) ? cache.lookupStale(key.value()) : null;
        if (stale != null) {
          answerStale(ctx, stale);
        } else {
          ctx.fail(ar.cause());
        }
        return;
      }
      Optional<ConfigEntry> entry = ar.result();
      if (entry.isPresent()) {
        // Answered as a cached entry would be (If-None-Match included): a GET must not depend on whether it hit.
        long v = entry.get().version();
        byte[] body = cache.applyRead(entry.get(), read.stamp());
        CachedReads.answer(ctx.request(), ctx.response(), new CachedEntry(v, body, EntryJson.etag(v), 0));
      } else {
        cache.applyAbsent(key, 0, read.stamp());
        ctx.fail(new ConfigNotFoundException(key));
      }
    });
  }

  /**
   * A store read of {@code key}, shared with the reads of it already in progress on this event loop: when a hot
   * key's cache entry expires (CACHE_TTL) or is evicted, the GETs that miss together cost one store call per event
   * loop, not one each. Without this, 10,000 connections reading 1,000 keys sent bursts of GetItem calls at the
   * expiry of each entry, and dynalite answered some too late (1,720 store timeouts in one benchmark run). Such a
   * GET overlaps the shared read in time, so it may answer what the read found, unless a write to the key (or its
   * stamp slot) happened on this instance since the read started: a client must read its own completed writes, so
   * it then reads again. Other instances' writes may already be up to CACHE_TTL late.
   */
  private Read read(ConfigKey key) {
    long stamp = cache.readStamp(key.value());
    Read inProgress = reading.get(key.value());
    if (inProgress != null && inProgress.stamp() == stamp) {
      return inProgress;
    }
    Read read = new Read(stamp, storeGet(key));
    if (!read.result().isComplete()) {
      reading.put(key.value(), read);
      read.result().onComplete(ar -> reading.remove(key.value(), read));
    }
    return read;
  }

  /**
   * The store read of a cache miss. Up to {@link #MAX_MISS_READS_IN_FLIGHT} go to the store one by one, as they
   * come; the misses that arrive while that many are in progress wait for one of them to answer and then go to the
   * store together, one {@link ConfigStore#getMany} (on DynamoDB a BatchGetItem per 100 keys). A quiet instance
   * reads each miss at once; a burst of misses (an instance idle for longer than CACHE_TTL meeting thousands of
   * clients) costs a few calls instead of one per key and event loop, which kept dynalite busy for seconds.
   */
  private Future<Optional<ConfigEntry>> storeGet(ConfigKey key) {
    if (missReadsInFlight < MAX_MISS_READS_IN_FLIGHT) {
      missReadsInFlight++;
      return store.get(key).andThen(ar -> missReadDone());
    }
    return missQueue.computeIfAbsent(key, k -> Promise.promise()).future();
  }

  private void missReadDone() {
    missReadsInFlight--;
    if (missQueue.isEmpty()) {
      return;
    }
    Map<ConfigKey, Promise<Optional<ConfigEntry>>> batch = missQueue;
    missQueue = new HashMap<>();
    missReadsInFlight++;
    store.getMany(batch.keySet()).onComplete(ar -> {
      batch.forEach((key, waiting) -> {
        Optional<ConfigEntry> read = ar.succeeded() ? ar.result().get(key) : null;
        if (read != null) {
          waiting.complete(read);
        } else if (ar.failed()) {
          waiting.fail(ar.cause());
        } else {
          store.get(key).onComplete(waiting); // left out by the store this time: read it alone
        }
      });
      missReadDone();
    });
  }

  /**
   * Starts a background store read of {@code key} when its cached entry {@code cached}, just answered from, is in
   * the last quarter of its TTL: the read renews the entry (or replaces it with a newer version), so a key in use
   * never expires and its readers never wait for the store. At most one such read per key in the process (the
   * event loops share the cache) and {@link #MAX_BACKGROUND_READS} in all per event loop; beyond that the entry
   * expires and its next GET reads the store itself. A failed refresh changes nothing (the entry expires on time).
   *
   * <p>The keys due on this event loop within {@link ConfigCache#refreshGatherMillis} go to the store together, up
   * to {@link #REFRESH_BATCH} in one {@link ConfigStore#getMany} call: on DynamoDB every hot key is re-read once
   * per TTL, and one SDK call per key cost a busy instance a fifth of its cached reads (docs/performance.md, round
   * 13).
   */
  void refreshIfDue(String key, CachedEntry cached) {
    if (!cache.refreshDue(cached)
        || reading.size() + refreshQueue.size() + refreshesInFlight >= MAX_BACKGROUND_READS
        || reading.containsKey(key)) {
      return;
    }
    if (!cache.claimRefresh(key)) {
      return;
    }
    refreshQueue.put(ConfigKey.of(key), cache.readStamp(key));
    if (refreshQueue.size() >= REFRESH_BATCH) {
      sendRefreshes();
    } else if (refreshTimer < 0) {
      refreshTimer = vertx.setTimer(Math.max(1, cache.refreshGatherMillis()), id -> {
        refreshTimer = -1;
        sendRefreshes();
      });
    }
  }

  private void sendRefreshes() {
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
      refreshTimer = -1;
    }
    Map<ConfigKey, Long> batch = refreshQueue;
    refreshQueue = new HashMap<>();
    refreshesInFlight += batch.size();
    store.getMany(batch.keySet()).onComplete(ar -> {
      refreshesInFlight -= batch.size();
      batch.forEach((key, stamp) -> {
        Optional<ConfigEntry> read = ar.succeeded() ? ar.result().get(key) : null;
        cache.refreshed(key.value(), read == null);
        if (read == null) {
          return; // not read this time: the entry expires on time unless a later GET claims it again
        }
        if (read.isPresent()) {
          cache.applyRead(read.get(), stamp);
        } else {
          cache.applyAbsent(key, 0, stamp);
        }
      });
    });
  }

  /** Failures of the store itself (not of the request), for which an expired entry may answer instead. */
  private static boolean storeFailed(Throwable failure) {
    return failure instanceof StoreTimeoutException || failure instanceof StoreUnavailableException;
  }

  /**
   * A GET answered with an entry past its TTL because the store read failed; {@code Cache-Status} (RFC 9211) says
   * so with a negative {@code ttl}, the seconds since it expired.
   */
  private void answerStale(RoutingContext ctx, CachedEntry stale) {
    ctx.response().putHeader(CACHE_STATUS,
        "config-service; hit; ttl=-" + cache.secondsPastTtl(stale) + "; detail=store-unavailable");
    CachedReads.answer(ctx.request(), ctx.response(), stale);
  }

  private void answerCached(RoutingContext ctx, ConfigKey key, CachedEntry cached) {
    if (!cached.present()) {
      ctx.fail(new ConfigNotFoundException(key));
      return;
    }
    CachedReads.answer(ctx.request(), ctx.response(), cached);
  }

  private void getVersion(RoutingContext ctx, ConfigKey key, long version) {
    store.getVersion(key, version).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result().isEmpty() || ar.result().get().deleted()) {
        ctx.fail(new BadRequestException(404, "version-not-found", "Not found",
            "key '" + key.value() + "' has no version " + version + " (never written, deleted or pruned)"));
      } else {
        ConfigEntry entry = ar.result().get();
        // Historical versions never change, so they may be cached anywhere.
        ctx.response().putHeader("Cache-Control", "public, max-age=31536000, immutable");
        answerEntry(ctx.response(), 200, entry, EntryJson.entryBytes(entry));
      }
    });
  }

  /** POST /config with {"key": K, "value": V}: the seed's write. */
  void post(RoutingContext ctx) {
    post(ctx.request(), ctx.body().buffer(), ctx::fail);
  }

  /** POST /config on a request whose body has been read, routed or not; failures go to {@code fail}. */
  void post(HttpServerRequest request, Buffer raw, Consumer<Throwable> fail) {
    RequestBodies.Fields body = bodies.object(raw, POST_FIELDS);
    write(request.response(), body.key(), body.value(), Conditions.forWrite(request), fail);
  }

  /** PUT /config/{key} with {"value": V}. */
  void put(RoutingContext ctx) {
    ConfigKey key = RequestBodies.key(keyFromPath(ctx.request()));
    RequestBodies.Fields body = bodies.object(ctx.body().buffer(), PUT_FIELDS);
    if (body.has("key") && !key.value().equals(body.string("key"))) {
      throw new BadRequestException("field 'key' does not match the key in the path; leave it out or make them equal");
    }
    String value = body.value();
    write(ctx.response(), key, value, Conditions.forWrite(ctx.request()), ctx::fail);
  }

  /** POST /rollback with {"key": K, "version": N}: writes version N's value as a new version. */
  void rollback(RoutingContext ctx) {
    RequestBodies.Fields body = bodies.object(ctx.body().buffer(), ROLLBACK_FIELDS);
    ConfigKey key = body.key();
    long version = body.version();
    Precondition precondition = Conditions.forWrite(ctx.request());
    store.getVersion(key, version).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result().isEmpty() || ar.result().get().deleted()) {
        ctx.fail(new BadRequestException(404, "version-not-found", "Not found",
            "key '" + key.value() + "' has no version " + version + " to roll back to (never written, a deletion, or pruned)"));
      } else {
        write(ctx.response(), key, ar.result().get().valueJson(), precondition, ctx::fail);
      }
    });
  }

  private void write(HttpServerResponse response, ConfigKey key, String value, Precondition precondition,
                     Consumer<Throwable> fail) {
    store.put(key, value, precondition).onComplete(ar -> {
      if (ar.failed()) {
        forgetIfUnknown(key, ar.cause());
        fail.accept(ar.cause());
        return;
      }
      PutResult result = ar.result();
      byte[] body = changed(result.entry());
      if (result.created()) {
        response.putHeader("Location", CONFIG_PREFIX + key.value());
      }
      answerEntry(response, result.created() ? 201 : 200, result.entry(), body);
    });
  }

  /** DELETE /config/{key}. */
  void delete(RoutingContext ctx) {
    ConfigKey key = RequestBodies.key(keyFromPath(ctx.request()));
    store.delete(key, Conditions.forWrite(ctx.request())).onComplete(ar -> {
      if (ar.failed()) {
        forgetIfUnknown(key, ar.cause());
        ctx.fail(ar.cause());
        return;
      }
      changed(ar.result());
      ctx.response().setStatusCode(204).end();
    });
  }

  /** GET /config?prefix=P&limit=N&cursor=C. */
  void list(RoutingContext ctx) {
    MultiMap params = ctx.request().params();
    String prefix = params.get("prefix") == null ? "" : params.get("prefix");
    if (!ConfigKey.isValidPrefix(prefix)) {
      throw new BadRequestException("prefix may contain only A-Z a-z 0-9 . _ - / and be at most 512 characters");
    }
    int limit = parseLimit(params.get("limit"));
    String cursor = decodeCursor(params.get("cursor"));
    store.list(prefix, limit, cursor).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      Page<ConfigEntry> page = ar.result();
      StringBuilder sb = new StringBuilder(256).append("{\"items\":[");
      for (int i = 0; i < page.items().size(); i++) {
        sb.append(i == 0 ? "" : ",").append(EntryJson.entry(page.items().get(i)));
      }
      sb.append(']');
      appendCursor(sb, page);
      answerJson(ctx, sb.append('}').toString());
    });
  }

  /** GET /history?key=K&limit=N&cursor=C: newest first, deletions as tombstones. */
  void history(RoutingContext ctx) {
    MultiMap params = ctx.request().params();
    String rawKey = params.get("key");
    if (rawKey == null) {
      throw new BadRequestException("query parameter 'key' is required");
    }
    ConfigKey key = RequestBodies.key(rawKey);
    int limit = parseLimit(params.get("limit"));
    String cursor = decodeCursor(params.get("cursor"));
    store.history(key, limit, cursor).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      Page<ConfigEntry> page = ar.result();
      if (page.items().isEmpty() && cursor == null) {
        ctx.fail(new ConfigNotFoundException(key));
        return;
      }
      StringBuilder sb = new StringBuilder(256).append("{\"key\":\"").append(key.value()).append("\",\"items\":[");
      for (int i = 0; i < page.items().size(); i++) {
        sb.append(i == 0 ? "" : ",").append(EntryJson.historyItem(page.items().get(i)));
      }
      sb.append(']');
      appendCursor(sb, page);
      answerJson(ctx, sb.append('}').toString());
    });
  }

  /**
   * Makes a completed change visible: to this instance's reads at once, then to every listener. Returns the
   * entry's rendered body (null for a deletion).
   */
  private byte[] changed(ConfigEntry entry) {
    byte[] body = cache.applyWrite(entry);
    eventBus.publish(ConfigChanged.ADDRESS, new ConfigChanged(entry));
    return body;
  }

  /** A write that timed out may or may not have happened: the cache must not answer for that key. */
  private void forgetIfUnknown(ConfigKey key, Throwable failure) {
    if (failure instanceof StoreTimeoutException) {
      cache.invalidate(key.value());
    }
  }

  private static void answerEntry(HttpServerResponse response, int status, ConfigEntry entry, byte[] body) {
    MultiMap headers = response.setStatusCode(status).headers();
    headers.add(HttpHeaders.ETAG, EntryJson.etag(entry.version()));
    if (!headers.contains(HttpHeaders.CACHE_CONTROL)) {
      headers.add(HttpHeaders.CACHE_CONTROL, NO_CACHE);
    }
    headers.add(HttpHeaders.CONTENT_TYPE, JSON_TYPE);
    response.end(Buffer.buffer(body));
  }

  private static void answerJson(RoutingContext ctx, String json) {
    ctx.response().putHeader("Content-Type", JSON).end(Buffer.buffer(json.getBytes(StandardCharsets.UTF_8)));
  }

  private static void appendCursor(StringBuilder sb, Page<ConfigEntry> page) {
    if (page.nextCursor() != null) {
      String opaque = Base64.getUrlEncoder().withoutPadding()
          .encodeToString(page.nextCursor().getBytes(StandardCharsets.UTF_8));
      sb.append(",\"nextCursor\":\"").append(opaque).append('"');
    }
  }

  /** The key is the rest of the raw path after /config/, percent-decoded; dot segments are not resolved. */
  static String keyFromPath(HttpServerRequest request) {
    String path = request.path();
    String raw = path.length() > CONFIG_PREFIX.length() ? path.substring(CONFIG_PREFIX.length()) : "";
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    try {
      return java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadRequestException("the key in the path is not validly percent-encoded");
    }
  }

  private static long parseVersion(String raw) {
    try {
      long v = Long.parseLong(raw);
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new BadRequestException("query parameter 'version' must be a whole number >= 1");
  }

  private static int parseLimit(String raw) {
    if (raw == null) {
      return 100;
    }
    try {
      int limit = Integer.parseInt(raw);
      if (limit >= 1 && limit <= 1000) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new BadRequestException("query parameter 'limit' must be a whole number from 1 to 1000");
  }

  private static String decodeCursor(String raw) {
    if (raw == null) {
      return null;
    }
    try {
      return new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadRequestException(400, "invalid-cursor", "Invalid cursor",
          "cursor is not one this service made; pass nextCursor from the previous page unchanged");
    }
  }

}
