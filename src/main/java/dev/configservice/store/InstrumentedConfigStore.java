package dev.configservice.store;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.ConfigNotFoundException;
import dev.configservice.domain.ConfigStore;
import dev.configservice.domain.InvalidCursorException;
import dev.configservice.domain.Page;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.PreconditionFailedException;
import dev.configservice.domain.PutResult;
import dev.configservice.domain.StoreOverloadedException;
import dev.configservice.domain.StoreTimeoutException;
import dev.configservice.domain.StoreUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Wraps any store with what every store call needs: a bound on how long it may take, and a timer named
 * {@code config.store.call} tagged with the operation and its outcome, the same whichever store runs. Writes
 * (put, delete) may also pass an {@link AdaptiveLimit}: beyond it they fail at once with
 * {@link StoreOverloadedException}, counted in {@code config.store.shed}, without reaching the store.
 */
public final class InstrumentedConfigStore implements ConfigStore {

  private static final StoreOverloadedException OVERLOADED = new StoreOverloadedException(
      "the store has as many writes in progress as it completes within its latency objective");

  private final Vertx vertx;
  private final ConfigStore delegate;
  private final long timeoutMillis;
  private final MeterRegistry registry;
  /** Timers by operation, then outcome (two lookups, no key to build per call). */
  private final Map<String, Map<String, Timer>> timers = new ConcurrentHashMap<>();
  /** Where each event loop's {@link CallDeadlines} is kept in its context's data. */
  private final Object deadlinesKey = new Object();
  private final AdaptiveLimit writeLimit;
  private final Counter shed;

  public InstrumentedConfigStore(Vertx vertx, ConfigStore delegate, Duration timeout, MeterRegistry registry) {
    this(vertx, delegate, timeout, registry, null);
  }

  /** With {@code writeLimit} null, writes are not limited here (MAX_IN_FLIGHT still bounds requests). */
  public InstrumentedConfigStore(Vertx vertx, ConfigStore delegate, Duration timeout, MeterRegistry registry,
                                 AdaptiveLimit writeLimit) {
    this.vertx = vertx;
    this.delegate = delegate;
    this.timeoutMillis = timeout.toMillis();
    this.registry = registry;
    this.writeLimit = writeLimit;
    this.shed = Counter.builder("config.store.shed")
        .description("writes refused with 503 at once because the adaptive write limit was reached").register(registry);
    if (writeLimit != null) {
      Gauge.builder("config.store.write.limit", writeLimit, AdaptiveLimit::limit)
          .description("writes the store may have in progress now (adaptive)").register(registry);
      Gauge.builder("config.store.write.in_flight", writeLimit, AdaptiveLimit::inFlight)
          .description("writes in progress in the store").register(registry);
    }
  }

  @Override
  public Future<Optional<ConfigEntry>> get(ConfigKey key) {
    return call("get", () -> delegate.get(key));
  }

  @Override
  public Future<Map<ConfigKey, Optional<ConfigEntry>>> getMany(Collection<ConfigKey> keys) {
    return call("get_many", () -> delegate.getMany(keys));
  }

  @Override
  public Future<Optional<ConfigEntry>> getVersion(ConfigKey key, long version) {
    return call("get_version", () -> delegate.getVersion(key, version));
  }

  @Override
  public Future<PutResult> put(ConfigKey key, String valueJson, Precondition precondition) {
    return call("put", writeLimit, () -> delegate.put(key, valueJson, precondition));
  }

  @Override
  public Future<ConfigEntry> delete(ConfigKey key, Precondition precondition) {
    return call("delete", writeLimit, () -> delegate.delete(key, precondition));
  }

  @Override
  public Future<Page<ConfigEntry>> list(String prefix, int limit, String cursor) {
    return call("list", () -> delegate.list(prefix, limit, cursor));
  }

  @Override
  public Future<Page<ConfigEntry>> history(ConfigKey key, int limit, String cursor) {
    return call("history", () -> delegate.history(key, limit, cursor));
  }

  @Override
  public Future<Void> ping() {
    return call("ping", delegate::ping);
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }

  private static boolean isOverload(Throwable failure) {
    return failure instanceof StoreTimeoutException
        || (failure instanceof StoreUnavailableException u && u.throttled());
  }

  /** The outcome tag of a failure; also how the HTTP layer and the CloudWatch publisher classify failures. */
  public static String outcomeOf(Throwable failure) {
    if (failure == null) {
      return "success";
    }
    if (failure instanceof PreconditionFailedException) {
      return "conflict";
    }
    if (failure instanceof ConfigNotFoundException) {
      return "not_found";
    }
    if (failure instanceof InvalidCursorException) {
      return "bad_request";
    }
    if (failure instanceof StoreTimeoutException) {
      return "timeout";
    }
    if (failure instanceof StoreOverloadedException) {
      return "shed";
    }
    if (failure instanceof StoreUnavailableException u) {
      return u.throttled() ? "throttled" : "unavailable";
    }
    return "error";
  }

  /**
   * Runs a store call under the timeout. On an event loop (HTTP requests) the deadline joins that loop's
   * {@link CallDeadlines}, one timer for all its calls; elsewhere it gets a Vert.x timer of its own. (A
   * context-less {@code Future.timeout} would schedule on Netty's global executor and wake its thread twice per
   * call.)
   */
  private <T> Future<T> call(String operation, Supplier<Future<T>> action) {
    return call(operation, null, action);
  }

  private <T> Future<T> call(String operation, AdaptiveLimit limit, Supplier<Future<T>> action) {
    if (limit != null && !limit.tryAcquire()) {
      shed.increment();
      return Future.failedFuture(OVERLOADED);
    }
    long start = System.nanoTime();
    Future<T> result;
    try {
      result = action.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    if (limit != null) {
      // The slot is held until the store itself answers, even past our timeout: that is when it stops working.
      if (result.isComplete()) {
        limit.release(-1, false);
      } else {
        result.onComplete(ar -> limit.release(System.nanoTime() - start, isOverload(ar.cause())));
      }
    }
    Future<T> bounded = result.isComplete() ? result : bounded(operation, result);
    Map<String, Timer> byOutcome = timers.get(operation);
    if (byOutcome == null) {
      byOutcome = timers.computeIfAbsent(operation, k -> new ConcurrentHashMap<>());
    }
    Map<String, Timer> outcomes = byOutcome;
    return bounded.andThen(ar -> timer(outcomes, operation, outcomeOf(ar.cause()))
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  /** {@code result}, or a {@link StoreTimeoutException} if it takes longer than the timeout. */
  private <T> Future<T> bounded(String operation, Future<T> result) {
    Promise<T> promise = Promise.promise();
    Runnable timeout = () -> promise.tryFail(new StoreTimeoutException(
        "store call '" + operation + "' took longer than " + timeoutMillis + " ms", null));
    Context context = Vertx.currentContext();
    if (context != null && context.isEventLoopContext()) {
      CallDeadlines deadlines = deadlinesOf(context);
      CallDeadlines.Call call = deadlines.add(promise, timeout);
      result.onComplete(ar -> {
        deadlines.answered(call);
        settle(promise, ar);
      });
    } else {
      long timer = vertx.setTimer(timeoutMillis, id -> timeout.run());
      result.onComplete(ar -> {
        vertx.cancelTimer(timer);
        settle(promise, ar);
      });
    }
    return promise.future();
  }

  private static <T> void settle(Promise<T> promise, AsyncResult<T> ar) {
    if (ar.succeeded()) {
      promise.tryComplete(ar.result());
    } else {
      promise.tryFail(ar.cause());
    }
  }

  private CallDeadlines deadlinesOf(Context context) {
    CallDeadlines deadlines = context.get(deadlinesKey);
    if (deadlines == null) {
      deadlines = new CallDeadlines(vertx, context, TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
      context.put(deadlinesKey, deadlines);
    }
    return deadlines;
  }

  private Timer timer(Map<String, Timer> byOutcome, String operation, String outcome) {
    Timer timer = byOutcome.get(outcome);
    if (timer == null) {
      timer = byOutcome.computeIfAbsent(outcome, k -> Timer.builder("config.store.call")
          .description("time of each call to the configuration store")
          .tag("operation", operation)
          .tag("outcome", outcome)
          .register(registry));
    }
    return timer;
  }
}
