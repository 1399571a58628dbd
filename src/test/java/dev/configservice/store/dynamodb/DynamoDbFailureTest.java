package dev.configservice.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.StoreTimeoutException;
import dev.configservice.domain.StoreUnavailableException;
import dev.configservice.dynalite.Dynalite;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How the store fails: an outage, a server that never answers, throttling, a missing table. Every call must end
 * with a domain failure within the configured API call timeout (never hang), and work again once the server does.
 */
class DynamoDbFailureTest {

  private static final Duration API_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(400);
  /** Room for scheduling on a busy machine on top of the API call timeout. */
  private static final long MARGIN_MS = 1_500;

  @TempDir
  Path dataDir;

  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void anOutageFailsEveryCallFastAndTheStoreRecoversWhenDynamoDbReturns() throws Exception {
    Dynalite dynalite = Dynalite.startOnDisk(dataDir);
    cleanup.add(dynalite);
    DynamoDbConfigStore store = open(dynalite.endpoint(), true);
    ConfigKey key = ConfigKey.of("outage/k");
    await(store.put(key, "\"before\"", Precondition.NONE));

    dynalite.stop();
    Map<String, Supplier<Future<?>>> calls = new LinkedHashMap<>();
    calls.put("get", () -> store.get(key));
    calls.put("getVersion", () -> store.getVersion(key, 1));
    calls.put("put", () -> store.put(key, "\"during\"", Precondition.NONE));
    calls.put("delete", () -> store.delete(key, Precondition.NONE));
    calls.put("list", () -> store.list("outage/", 10, null));
    calls.put("history", () -> store.history(key, 10, null));
    calls.put("ping", store::ping);
    for (Map.Entry<String, Supplier<Future<?>>> call : calls.entrySet()) {
      long started = System.nanoTime();
      Throwable failure = failureOf(call.getValue().get());
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      assertThat(failure).as(call.getKey())
          .isInstanceOfAny(StoreUnavailableException.class, StoreTimeoutException.class);
      assertThat(elapsedMs).as(call.getKey() + " took %d ms", elapsedMs)
          .isLessThan(API_TIMEOUT.toMillis() + MARGIN_MS);
      if (failure instanceof StoreUnavailableException unavailable) {
        assertThat(unavailable.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(unavailable.throttled()).isFalse();
      }
    }
    // the SDK retried the refused connections, and said so
    assertThat(registry.get(RetryCountingPublisher.METRIC).counter().count()).isGreaterThan(0);

    dynalite.restart();
    Optional<ConfigEntry> after = awaitRecovery(() -> store.get(key));
    assertThat(after).get().extracting(ConfigEntry::valueJson).isEqualTo("\"before\"");
    long current = after.orElseThrow().version();
    assertThat(await(store.put(key, "\"after\"", Precondition.versionIs(current))).entry().version())
        .isEqualTo(current + 1);
    assertThat(await(store.ping())).isNull();
  }

  @Test
  void aServerThatNeverAnswersTimesOutWithinTheApiCallTimeout() throws Exception {
    // accepts connections and reads nothing: the worst kind of outage, a hang
    ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    List<Socket> held = new ArrayList<>();
    Thread acceptor = new Thread(() -> {
      while (!blackHole.isClosed()) {
        try {
          Socket socket = blackHole.accept();
          synchronized (held) {
            held.add(socket);
          }
        } catch (IOException e) {
          return;
        }
      }
    }, "black-hole");
    acceptor.setDaemon(true);
    acceptor.start();
    cleanup.add(() -> {
      blackHole.close();
      synchronized (held) {
        for (Socket socket : held) {
          socket.close();
        }
      }
    });
    DynamoDbConfigStore store = open(URI.create("http://127.0.0.1:" + blackHole.getLocalPort()), false);

    for (Supplier<Future<?>> call : List.<Supplier<Future<?>>>of(
        () -> store.get(ConfigKey.of("k")),
        () -> store.put(ConfigKey.of("k"), "1", Precondition.NONE),
        store::ping)) {
      long started = System.nanoTime();
      Throwable failure = failureOf(call.get());
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      assertThat(failure).isInstanceOf(StoreTimeoutException.class);
      assertThat(elapsedMs).isGreaterThanOrEqualTo(ATTEMPT_TIMEOUT.toMillis())
          .isLessThan(API_TIMEOUT.toMillis() + MARGIN_MS);
    }
  }

  @ParameterizedTest(name = "{0} (HTTP {1})")
  @CsvSource({
      "ProvisionedThroughputExceededException, 400, true",
      "ThrottlingException, 400, true",
      "RequestLimitExceeded, 400, true",
      "InternalServerError, 500, false",
      "ServiceUnavailable, 503, false",
  })
  void throttlingAndServerErrorsAreRetriedThenReportedAsUnavailable(String errorType, int status, boolean throttled)
      throws Exception {
    // a server speaking the DynamoDB JSON protocol that refuses every request the way DynamoDB does
    AtomicInteger requests = new AtomicInteger();
    HttpServer refusing = vertx.createHttpServer().requestHandler(request -> request.body().onComplete(body -> {
      requests.incrementAndGet();
      request.response()
          .setStatusCode(status)
          .putHeader("Content-Type", "application/x-amz-json-1.0")
          .putHeader("x-amzn-ErrorType", errorType)
          .end("{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + errorType + "\",\"message\":\"refused\"}");
    }));
    await(refusing.listen(0, "127.0.0.1"));
    // timeouts far above the retry back-offs: this is about classifying refusals, not about timing out
    DynamoDbConfigStore store = open(URI.create("http://127.0.0.1:" + refusing.actualPort()), false,
        Duration.ofSeconds(10), Duration.ofSeconds(5));

    Throwable failure = failureOf(store.get(ConfigKey.of("k")));

    assertThat(failure).isInstanceOfSatisfying(StoreUnavailableException.class, unavailable -> {
      assertThat(unavailable.throttled()).isEqualTo(throttled);
      assertThat(unavailable.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    });
    // the standard retry strategy makes three attempts; the publisher counts the two retries
    assertThat(requests.get()).isEqualTo(3);
    assertThat(registry.get(RetryCountingPublisher.METRIC).counter().count()).isEqualTo(2.0);
  }

  @Test
  void aMissingTableMakesTheStoreUnavailableAndNotReady() throws Exception {
    Dynalite dynalite = Dynalite.startInMemory();
    cleanup.add(dynalite);
    DynamoDbConfigStore store = open(dynalite.endpoint(), false);

    assertThat(failureOf(store.ping())).isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("missing");
    assertThat(failureOf(store.get(ConfigKey.of("k")))).isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void aClosedStoreRefusesCallsAndClosingTwiceIsHarmless() throws Exception {
    Dynalite dynalite = Dynalite.startInMemory();
    cleanup.add(dynalite);
    DynamoDbConfigStore store = open(dynalite.endpoint(), true);
    await(store.close());
    await(store.close());

    assertThat(failureOf(store.get(ConfigKey.of("k")))).isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void startingOnAnExistingTableKeepsItsItems() throws Exception {
    Dynalite dynalite = Dynalite.startInMemory();
    cleanup.add(dynalite);
    DynamoDbSettings settings = TestStores.settings(dynalite.endpoint(), TestStores.freshTable(), 10,
        API_TIMEOUT, ATTEMPT_TIMEOUT);
    DynamoDbConfigStore first = await(DynamoDbConfigStore.start(vertx, settings, Clock.systemUTC(), registry,
        TestStores.EMULATOR_CREDENTIALS));
    await(first.put(ConfigKey.of("kept"), "1", Precondition.NONE));
    await(first.close());

    DynamoDbConfigStore second = await(DynamoDbConfigStore.start(vertx, settings, Clock.systemUTC(), registry,
        TestStores.EMULATOR_CREDENTIALS));
    cleanup.add(() -> await(second.close()));
    assertThat(await(second.get(ConfigKey.of("kept")))).isPresent();
  }

  @Test
  void startFailsWhenTheTableCannotBeCreated() throws Exception {
    Dynalite dynalite = Dynalite.startInMemory();
    int port = dynalite.port();
    dynalite.stop();
    DynamoDbSettings settings = TestStores.settings(URI.create("http://127.0.0.1:" + port), TestStores.freshTable(),
        10, API_TIMEOUT, ATTEMPT_TIMEOUT);

    Throwable failure = failureOf(DynamoDbConfigStore.start(vertx, settings, Clock.systemUTC(), registry,
        TestStores.EMULATOR_CREDENTIALS));
    assertThat(failure).isInstanceOfAny(StoreUnavailableException.class, StoreTimeoutException.class);
  }

  private DynamoDbConfigStore open(URI endpoint, boolean createTable) throws Exception {
    return open(endpoint, createTable, API_TIMEOUT, ATTEMPT_TIMEOUT);
  }

  private DynamoDbConfigStore open(URI endpoint, boolean createTable, Duration apiTimeout, Duration attemptTimeout)
      throws Exception {
    DynamoDbSettings settings = new DynamoDbSettings(TestStores.freshTable(), "us-east-1", endpoint, createTable,
        apiTimeout, attemptTimeout, 10);
    DynamoDbConfigStore store = await(DynamoDbConfigStore.start(vertx, settings, Clock.systemUTC(), registry,
        TestStores.EMULATOR_CREDENTIALS));
    cleanup.add(() -> await(store.close()));
    return store;
  }

  private static <T> T awaitRecovery(Supplier<Future<T>> call) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        return await(call.get());
      } catch (StoreUnavailableException | StoreTimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** The failure of {@code future}; the test fails if it succeeds or does not finish within 10 s. */
  private static Throwable failureOf(Future<?> future) throws Exception {
    try {
      future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure, the call succeeded");
  }

  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
