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
import dev.configservice.domain.StoreTimeoutException;
import dev.configservice.domain.StoreUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Wraps any store with what every store call needs: a bound on how long it may take, and a timer named
 * {@code config.store.call} tagged with the operation and its outcome, the same whichever store runs.
 */
public final class InstrumentedConfigStore implements ConfigStore {

  private final Vertx vertx;
  private final ConfigStore delegate;
  private final long timeoutMillis;
  private final MeterRegistry registry;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  public InstrumentedConfigStore(Vertx vertx, ConfigStore delegate, Duration timeout, MeterRegistry registry) {
    this.vertx = vertx;
    this.delegate = delegate;
    this.timeoutMillis = timeout.toMillis();
    this.registry = registry;
  }

  @Override
  public Future<Optional<ConfigEntry>> get(ConfigKey key) {
    return call("get", () -> delegate.get(key));
  }

  @Override
  public Future<Optional<ConfigEntry>> getVersion(ConfigKey key, long version) {
    return call("get_version", () -> delegate.getVersion(key, version));
  }

  @Override
  public Future<PutResult> put(ConfigKey key, String valueJson, Precondition precondition) {
    return call("put", () -> delegate.put(key, valueJson, precondition));
  }

  @Override
  public Future<ConfigEntry> delete(ConfigKey key, Precondition precondition) {
    return call("delete", () -> delegate.delete(key, precondition));
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
    if (failure instanceof StoreUnavailableException u) {
      return u.throttled() ? "throttled" : "unavailable";
    }
    return "error";
  }

  /**
   * Runs a store call under the timeout. The timer is a Vert.x timer on the caller's context (an event loop, for
   * HTTP requests), set and cancelled on that loop: a context-less {@code Future.timeout} would schedule on
   * Netty's global executor and wake its thread twice per call.
   */
  private <T> Future<T> call(String operation, Supplier<Future<T>> action) {
    long start = System.nanoTime();
    Future<T> result;
    try {
      result = action.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    Future<T> bounded;
    if (result.isComplete()) {
      bounded = result;
    } else {
      Promise<T> promise = Promise.promise();
      long timer = vertx.setTimer(timeoutMillis, id -> promise.tryFail(new StoreTimeoutException(
          "store call '" + operation + "' took longer than " + timeoutMillis + " ms", null)));
      result.onComplete(ar -> {
        vertx.cancelTimer(timer);
        if (ar.succeeded()) {
          promise.tryComplete(ar.result());
        } else {
          promise.tryFail(ar.cause());
        }
      });
      bounded = promise.future();
    }
    return bounded.andThen(ar -> timer(operation, outcomeOf(ar.cause()))
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  private Timer timer(String operation, String outcome) {
    return timers.computeIfAbsent(operation + '|' + outcome, k -> Timer.builder("config.store.call")
        .description("time of each call to the configuration store")
        .tag("operation", operation)
        .tag("outcome", outcome)
        .register(registry));
  }
}
