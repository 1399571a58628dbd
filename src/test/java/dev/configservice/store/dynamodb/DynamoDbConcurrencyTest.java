package dev.configservice.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.Page;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.PreconditionFailedException;
import dev.configservice.domain.PutResult;
import dev.configservice.dynalite.Dynalite;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many clients racing on one key through one store (one SDK client, as in the service): the head-item claim must
 * give every version to exactly one writer, and the history must come out without gaps or duplicates.
 */
class DynamoDbConcurrencyTest {

  private static final int CLIENTS = 50;
  private static final int WINS_PER_CLIENT = 1;
  private static final long DEADLINE_MS = 120_000;

  private static Dynalite dynalite;
  private Vertx vertx;
  private DynamoDbConfigStore store;

  @BeforeAll
  static void startDynalite() {
    dynalite = Dynalite.startInMemory();
  }

  @AfterAll
  static void stopDynalite() {
    if (dynalite != null) {
      dynalite.stop();
    }
  }

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    // a window larger than the number of writes, so the whole history stays visible; long timeouts because one
    // single-threaded dynalite on a shared machine queues the burst (this test is about ordering, not latency)
    store = await(TestStores.open(vertx, dynalite, 1_000, new SimpleMeterRegistry(), Duration.ofSeconds(30),
        Duration.ofSeconds(15)));
  }

  @AfterEach
  void close() throws Exception {
    await(store.close());
    await(vertx.close());
  }

  @Test
  void fiftyClientsRacingConditionalUpdatesGetExactlyOneWinnerPerVersion() throws Exception {
    ConfigKey key = ConfigKey.of("race/conditional");
    await(store.put(key, "\"start\"", Precondition.NONE));
    Map<Long, String> winners = new ConcurrentHashMap<>();
    List<String> duplicates = new ArrayList<>();
    AtomicInteger conflicts = new AtomicInteger();
    long started = System.nanoTime();

    List<Future<Void>> clients = IntStream.range(0, CLIENTS)
        .mapToObj(client -> conditionalClient(key, client, 1, 0, winners, duplicates, conflicts))
        .toList();
    await(Future.all(clients));
    double seconds = (System.nanoTime() - started) / 1e9;

    int writes = CLIENTS * WINS_PER_CLIENT;
    System.out.printf("conditional race: %d clients, %d wins, %d lost (412), %.1f s, %.0f successful writes/s%n",
        CLIENTS, writes, conflicts.get(), seconds, writes / seconds);
    assertThat(duplicates).as("versions won twice").isEmpty();
    assertThat(winners.keySet()).containsExactlyInAnyOrderElementsOf(
        IntStream.rangeClosed(2, writes + 1).mapToObj(Long::valueOf).toList());
    assertThat(conflicts.get()).as("with 50 racers most attempts must lose").isGreaterThan(0);

    List<ConfigEntry> history = fullHistory(key);
    assertThat(history).extracting(ConfigEntry::version).containsExactlyElementsOf(
        IntStream.iterate(writes + 1, v -> v >= 1, v -> v - 1).mapToObj(Long::valueOf).toList());
    for (ConfigEntry entry : history.subList(0, writes)) {
      assertThat(entry.valueJson()).as("value of version %d", entry.version()).isEqualTo(winners.get(entry.version()));
    }
    assertThat(await(store.get(key))).get().extracting(ConfigEntry::version).isEqualTo((long) writes + 1);
  }

  @Test
  void fiftyUnconditionalWritersAllSucceedWithDistinctConsecutiveVersions() throws Exception {
    ConfigKey key = ConfigKey.of("race/unconditional");
    int perClient = 3;
    long started = System.nanoTime();
    List<Future<PutResult>> puts = new ArrayList<>();
    for (int round = 0; round < perClient; round++) {
      for (int client = 0; client < CLIENTS; client++) {
        puts.add(store.put(key, "\"" + client + "-" + round + "\"", Precondition.NONE));
      }
    }
    await(Future.all(puts));
    double seconds = (System.nanoTime() - started) / 1e9;
    int writes = CLIENTS * perClient;
    System.out.printf("unconditional race: %d writes to one key in %.1f s, %.0f writes/s%n", writes, seconds,
        writes / seconds);

    List<Long> versions = puts.stream().map(f -> f.result().entry().version()).sorted().toList();
    assertThat(versions).containsExactlyElementsOf(
        IntStream.rangeClosed(1, writes).mapToObj(Long::valueOf).toList());
    assertThat(puts.stream().filter(f -> f.result().created())).as("only the first write creates").hasSize(1);
    List<ConfigEntry> history = fullHistory(key);
    assertThat(history).hasSize(writes);
    for (Future<PutResult> put : puts) {
      ConfigEntry written = put.result().entry();
      assertThat(history.get(writes - (int) written.version())).isEqualTo(written);
    }
  }

  @Test
  void writesToDistinctKeysRunInParallel() throws Exception {
    int writes = 200;
    long started = System.nanoTime();
    List<Future<PutResult>> puts = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      puts.add(store.put(ConfigKey.of("spread/k" + (i % 100)), Integer.toString(i), Precondition.NONE));
    }
    await(Future.all(puts));
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("spread writes: %d writes over 100 keys in %.1f s, %.0f writes/s%n", writes, seconds,
        writes / seconds);

    Page<ConfigEntry> listed = await(store.list("spread/", 1_000, null));
    assertThat(listed.items()).hasSize(100);
    assertThat(listed.items()).allSatisfy(entry -> assertThat(entry.version()).isEqualTo(writes / 100));
  }

  /** One client: read, write on that version, and on 412 go again from the version the failure names. */
  private Future<Void> conditionalClient(ConfigKey key, int client, long expected, int won, Map<Long, String> winners,
      List<String> duplicates, AtomicInteger conflicts) {
    if (won == WINS_PER_CLIENT) {
      return Future.succeededFuture();
    }
    String value = "\"client " + client + " write " + won + "\"";
    return store.put(key, value, Precondition.versionIs(expected)).transform(result -> {
      if (result.succeeded()) {
        long version = result.result().entry().version();
        if (version != expected + 1 || winners.putIfAbsent(version, value) != null) {
          synchronized (duplicates) {
            duplicates.add(version + " by client " + client);
          }
        }
        return conditionalClient(key, client, version, won + 1, winners, duplicates, conflicts);
      }
      if (result.cause() instanceof PreconditionFailedException lost) {
        conflicts.incrementAndGet();
        assertThat(lost.currentVersion()).isGreaterThan(expected);
        return conditionalClient(key, client, lost.currentVersion(), won, winners, duplicates, conflicts);
      }
      return Future.failedFuture(result.cause());
    });
  }

  private List<ConfigEntry> fullHistory(ConfigKey key) throws Exception {
    List<ConfigEntry> all = new ArrayList<>();
    String cursor = null;
    do {
      Page<ConfigEntry> page = await(store.history(key, 37, cursor));
      all.addAll(page.items());
      cursor = page.nextCursor();
    } while (cursor != null);
    return all;
  }

  private static <T> T await(Future<T> future) throws Exception {
    Promise<T> bounded = Promise.promise();
    future.onComplete(bounded);
    return bounded.future().toCompletionStage().toCompletableFuture().get(DEADLINE_MS, TimeUnit.MILLISECONDS);
  }
}
