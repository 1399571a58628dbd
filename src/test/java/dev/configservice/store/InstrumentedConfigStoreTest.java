package dev.configservice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.ConfigStore;
import dev.configservice.domain.Page;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.PutResult;
import dev.configservice.domain.StoreTimeoutException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The timeout and timer every store call gets. The store behind it is a dependency that hangs until the test
 * lets it answer: the one situation the timeout exists for, and one no healthy store produces on demand.
 */
class InstrumentedConfigStoreTest {

  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Promise<PutResult> pending = Promise.promise();
  private final ConfigStore instrumented = new InstrumentedConfigStore(vertx, new HangingStore(pending),
      Duration.ofMillis(200), registry);

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aCallThatHangsFailsWithAStoreTimeoutAndALateAnswerIsIgnored() throws Exception {
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    long start = System.nanoTime();
    vertx.runOnContext(v -> instrumented.put(ConfigKey.of("a"), "1", Precondition.NONE)
        .onComplete(ar -> failure.complete(ar.cause())));

    Throwable cause = failure.get(10, TimeUnit.SECONDS);
    assertThat(cause).isInstanceOf(StoreTimeoutException.class).hasMessageContaining("'put'")
        .hasMessageContaining("200 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(registry.get("config.store.call").tag("operation", "put").tag("outcome", "timeout").timer().count())
        .isEqualTo(1);

    // The store answers after all: nothing more is recorded, the caller already has its answer.
    ConfigEntry late = ConfigEntry.value(ConfigKey.of("a"), 1, "1", Instant.now());
    vertx.runOnContext(v -> pending.complete(new PutResult(late, true)));
    Thread.sleep(100);
    assertThat(registry.find("config.store.call").tag("outcome", "success").timer()).isNull();
  }

  @Test
  void aCallThatAnswersInTimeIsTimedAsASuccess() throws Exception {
    CompletableFuture<PutResult> result = new CompletableFuture<>();
    ConfigEntry entry = ConfigEntry.value(ConfigKey.of("a"), 1, "1", Instant.now());
    vertx.runOnContext(v -> {
      instrumented.put(ConfigKey.of("a"), "1", Precondition.NONE).onSuccess(result::complete);
      vertx.setTimer(20, id -> pending.complete(new PutResult(entry, true)));
    });

    assertThat(result.get(10, TimeUnit.SECONDS).entry()).isEqualTo(entry);
    assertThat(registry.get("config.store.call").tag("operation", "put").tag("outcome", "success").timer().count())
        .isEqualTo(1);
  }

  /** A store whose put answers only when the test completes {@code pending}. */
  private record HangingStore(Promise<PutResult> pending) implements ConfigStore {

    @Override
    public Future<PutResult> put(ConfigKey key, String valueJson, Precondition precondition) {
      return pending.future();
    }

    @Override
    public Future<Optional<ConfigEntry>> get(ConfigKey key) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Optional<ConfigEntry>> getVersion(ConfigKey key, long version) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<ConfigEntry> delete(ConfigKey key, Precondition precondition) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Page<ConfigEntry>> list(String prefix, int limit, String cursor) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Page<ConfigEntry>> history(ConfigKey key, int limit, String cursor) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Void> ping() {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }
}
