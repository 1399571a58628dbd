package dev.configservice.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.StoreUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store's log and checkpoints end to end on real files: tiny segments make it rotate and
 * checkpoint many times, and a copy of the data directory taken while the store runs is what a crash leaves.
 */
class MvStoreRecoveryTest {

  private static final int KEYS = 20;
  private static final int VERSIONS = 30;
  private static final int MAX_VERSIONS = 5;

  @TempDir
  Path tmp;

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void writesSurviveManyRotationsCheckpointsAndACleanRestart() throws Exception {
    Path data = tmp.resolve("data");
    MvStoreConfigStore store = open(data, 8 * 1024, Duration.ofMillis(20));
    writeAll(store);
    Thread.sleep(100); // let a time-based checkpoint run too
    await(store.close());
    try (Stream<Path> files = Files.list(data.resolve("wal"))) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith("wal-")))
          .as("a clean close leaves no log to replay").isEmpty();
    }

    MvStoreConfigStore reopened = open(data, 8 * 1024, Duration.ofMillis(20));
    assertEverythingThere(reopened);
    await(reopened.close());
  }

  @Test
  void historyBeyondMaxVersionsIsRemovedFromTheFileInBatches() throws Exception {
    Path data = tmp.resolve("data");
    MvStoreConfigStore store = open(data, 8 * 1024, Duration.ofMillis(20));
    writeAll(store);
    await(store.close());
    // The file itself, read with MVStore: version 16 pruned everything below 12 (16 - MAX_VERSIONS + 1); the
    // versions since wait for version 32. Reads show only the newest MAX_VERSIONS (assertEverythingThere).
    try (org.h2.mvstore.MVStore file = new org.h2.mvstore.MVStore.Builder()
        .fileName(data.resolve("config.mv.db").toString()).readOnly().open()) {
      org.h2.mvstore.MVMap<String, byte[]> history = file.openMap("history",
          new org.h2.mvstore.MVMap.Builder<String, byte[]>().keyType(org.h2.mvstore.type.StringDataType.INSTANCE)
              .valueType(org.h2.mvstore.type.ByteArrayDataType.INSTANCE));
      for (int k = 0; k < KEYS; k++) {
        String prefix = EntryCodec.historyKey(key(k).value(), 0);
        String base = prefix.substring(0, key(k).value().length() + 1); // the key and the separator
        String first = history.higherKey(prefix);
        long stored = 0;
        for (java.util.Iterator<String> it = history.keyIterator(first); it.hasNext(); ) {
          String h = it.next();
          if (!h.startsWith(base)) {
            break;
          }
          stored++;
        }
        assertThat(stored).as("versions stored for key %d", k).isEqualTo(VERSIONS - 12 + 1)
            .isLessThanOrEqualTo(MAX_VERSIONS + MvStoreConfigStore.PRUNE_BATCH - 1);
        assertThat(first).isEqualTo(EntryCodec.historyKey(key(k).value(), 12));
      }
    }
    MvStoreConfigStore reopened = open(data, 8 * 1024, Duration.ofMillis(20));
    assertEverythingThere(reopened);
    assertThat(await(reopened.getVersion(key(0), 12))).as("stored, but beyond MAX_VERSIONS").isEmpty();
    assertThat(await(reopened.getVersion(key(0), 26))).isPresent();
    await(reopened.close());
  }

  @Test
  void aLoweredMaxVersionsPrunesTheOlderHistoryToo() throws Exception {
    Path data = tmp.resolve("data");
    ConfigKey key = key(0);
    MvStoreConfigStore wide = await(MvStoreConfigStore.open(vertx, data, 20, Clock.systemUTC(), true, 8 * 1024,
        Duration.ofMillis(20)));
    for (int v = 1; v <= 40; v++) {
      await(wide.put(key, value(0, v), Precondition.NONE));
    }
    await(wide.close()); // the prune at version 32 kept 13..40
    MvStoreConfigStore narrow = await(MvStoreConfigStore.open(vertx, data, 2, Clock.systemUTC(), true, 8 * 1024,
        Duration.ofMillis(20)));
    for (int v = 41; v <= 56; v++) {
      await(narrow.put(key, value(0, v), Precondition.NONE));
    }
    await(narrow.close());
    // The prune at version 48 (keep 47 on) walked down through everything older, 13..46.
    try (org.h2.mvstore.MVStore file = new org.h2.mvstore.MVStore.Builder()
        .fileName(data.resolve("config.mv.db").toString()).readOnly().open()) {
      org.h2.mvstore.MVMap<String, byte[]> history = file.openMap("history",
          new org.h2.mvstore.MVMap.Builder<String, byte[]>().keyType(org.h2.mvstore.type.StringDataType.INSTANCE)
              .valueType(org.h2.mvstore.type.ByteArrayDataType.INSTANCE));
      assertThat(history.higherKey(EntryCodec.historyKey(key.value(), 0)))
          .isEqualTo(EntryCodec.historyKey(key.value(), 47));
    }
  }

  @Test
  void aFileFromBeforeHeadsWereReadFromHistoryOpensWithItsData() throws Exception {
    Path data = tmp.resolve("data");
    MvStoreConfigStore store = open(data, 8 * 1024, Duration.ofMillis(20));
    writeAll(store);
    await(store.close());
    // Earlier versions also kept each key's head in a map named "current"; put one there, stale on purpose, as a
    // file written by such a version and then by this one could hold.
    try (org.h2.mvstore.MVStore file = new org.h2.mvstore.MVStore.Builder()
        .fileName(data.resolve("config.mv.db").toString()).open()) {
      org.h2.mvstore.MVMap<String, byte[]> heads = file.openMap("current",
          new org.h2.mvstore.MVMap.Builder<String, byte[]>().keyType(org.h2.mvstore.type.StringDataType.INSTANCE)
              .valueType(org.h2.mvstore.type.ByteArrayDataType.INSTANCE));
      heads.put(key(0).value(), new byte[17]);
      file.commit();
    }

    MvStoreConfigStore reopened = open(data, 8 * 1024, Duration.ofMillis(20));
    assertEverythingThere(reopened);
    await(reopened.put(key(0), value(0, VERSIONS + 1), Precondition.NONE));
    assertThat(await(reopened.get(key(0)))).get().extracting(ConfigEntry::version).isEqualTo((long) VERSIONS + 1);
    await(reopened.close());
    try (org.h2.mvstore.MVStore file = new org.h2.mvstore.MVStore.Builder()
        .fileName(data.resolve("config.mv.db").toString()).readOnly().open()) {
      assertThat(file.hasMap("current")).as("the former heads map is removed").isFalse();
    }
  }

  @Test
  void aCrashCopyTakenWhileCheckpointsRunRecoversEveryAcknowledgedWrite() throws Exception {
    Path data = tmp.resolve("data");
    MvStoreConfigStore store = open(data, 8 * 1024, Duration.ofHours(1));
    writeAll(store);
    // What a kill -9 leaves: the files as they are now. The log first, then the MVStore file, as a crash
    // would order them (the checkpointer only ever recycles log segments the MVStore file already covers).
    Path crash = tmp.resolve("crash");
    copyTree(data.resolve("wal"), crash.resolve("wal"));
    Files.copy(data.resolve("config.mv.db"), crash.resolve("config.mv.db"));
    await(store.close());

    MvStoreConfigStore recovered = open(crash, 8 * 1024, Duration.ofHours(1));
    assertEverythingThere(recovered);
    await(recovered.close());
  }

  @Test
  void largeValuesWrittenTogetherAreSplitAcrossBatchesInOrderAndRecoverFromACrash() throws Exception {
    Path data = tmp.resolve("data");
    MvStoreConfigStore store = open(data, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1));
    // 64 writes of ~60 KB offered at once: ~3.8 MB of log records, more than LOG_BATCH_BYTES, so the writer
    // takes them in several batches; writes to one key keep their order (versions 1..8 per key).
    int keys = 8;
    int rounds = 8;
    List<Future<?>> all = new ArrayList<>();
    for (int v = 1; v <= rounds; v++) {
      for (int k = 0; k < keys; k++) {
        all.add(store.put(ConfigKey.of("large/key-" + k), large(k, v), Precondition.NONE));
      }
    }
    await(Future.all(all));
    assertThat((long) rounds * keys * 60_000).isGreaterThan(2L * MvStoreConfigStore.LOG_BATCH_BYTES);
    Path crash = tmp.resolve("crash");
    copyTree(data.resolve("wal"), crash.resolve("wal"));
    Files.copy(data.resolve("config.mv.db"), crash.resolve("config.mv.db"));
    await(store.close());

    MvStoreConfigStore recovered = open(crash, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1));
    for (int k = 0; k < keys; k++) {
      ConfigEntry latest = await(recovered.get(ConfigKey.of("large/key-" + k))).orElseThrow();
      assertThat(latest.version()).isEqualTo(rounds);
      assertThat(latest.valueJson()).isEqualTo(large(k, rounds));
    }
    await(recovered.close());
  }

  private static String large(int k, int v) {
    return "{\"key\":" + k + ",\"version\":" + v + ",\"pad\":\"" + "p".repeat(60_000) + "\"}";
  }

  @Test
  void aCrashBeforeAnyCheckpointRecoversFromTheLogAlone() throws Exception {
    Path data = tmp.resolve("data");
    MvStoreConfigStore store = open(data, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1));
    writeAll(store);
    Path crash = tmp.resolve("crash");
    copyTree(data.resolve("wal"), crash.resolve("wal"));
    Files.copy(data.resolve("config.mv.db"), crash.resolve("config.mv.db"));
    await(store.close());

    MvStoreConfigStore recovered = open(crash, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1));
    assertEverythingThere(recovered);
    // Recovery checkpointed what it replayed: a second crash right away loses nothing either.
    await(recovered.close());
    MvStoreConfigStore again = open(crash, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1));
    assertEverythingThere(again);
    await(again.close());
  }

  @Test
  void aStoreThatClosesItselfAnswersUnavailableAndARestartRecoversEveryAcknowledgedWrite() throws Exception {
    Path data = tmp.resolve("data");
    MvStoreConfigStore store = open(data, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1));
    writeAll(store);
    // What a failed commit left behind (seen when MVStore could not allocate a chunk's buffer with the heap full):
    // MVStore closed, its maps with it ("Map current is closed").
    Field field = MvStoreConfigStore.class.getDeclaredField("store");
    field.setAccessible(true);
    ((MVStore) field.get(store)).closeImmediately();

    for (Future<?> call : List.of(store.put(key(0), value(0, 99), Precondition.NONE),
        store.delete(key(2), Precondition.NONE), store.ping())) {
      assertThat(awaitFailure(call)).isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("closed itself");
    }
    // Reads answer what was acknowledged while the pages are in memory, else 503 too; never anything else.
    Throwable readFailure = awaitFailure(store.get(key(1)));
    if (readFailure == null) {
      assertThat(await(store.get(key(1))).orElseThrow().version()).isEqualTo(VERSIONS);
    } else {
      assertThat(readFailure).isInstanceOf(StoreUnavailableException.class);
    }
    await(store.close());

    MvStoreConfigStore recovered = open(data, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1));
    assertEverythingThere(recovered);
    await(recovered.close());
  }

  @Test
  void unsavedPagesOverTheirBudgetMakeACheckpointThatRetiresTheLog() throws Exception {
    // KEYS x VERSIONS writes of ~170 bytes: ~100 KiB of log, far from filling one 4 MiB segment, and no
    // checkpoint interval: only the unsaved pages' budget can make the writer checkpoint.
    Path small = tmp.resolve("small-budget");
    MvStoreConfigStore store = open(small, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1), () -> 16 * 1024);
    writeAll(store);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (WriteAheadLog.segmentIds(small.resolve("wal")).get(0) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20); // the checkpointer retires the first segment once its commit is on disk
    }
    assertThat(WriteAheadLog.segmentIds(small.resolve("wal")).get(0)).as("first live segment").isGreaterThan(0);
    Path crash = tmp.resolve("crash");
    copyTree(small.resolve("wal"), crash.resolve("wal"));
    Files.copy(small.resolve("config.mv.db"), crash.resolve("config.mv.db"));
    await(store.close());
    MvStoreConfigStore recovered = open(crash, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1));
    assertEverythingThere(recovered);
    await(recovered.close());

    Path large = tmp.resolve("large-budget");
    MvStoreConfigStore unbounded = open(large, WriteAheadLog.DEFAULT_SEGMENT_BYTES, Duration.ofHours(1),
        () -> Long.MAX_VALUE);
    writeAll(unbounded);
    Thread.sleep(200);
    assertThat(WriteAheadLog.segmentIds(large.resolve("wal"))).as("no checkpoint: segment 0 still live").contains(0L);
    await(unbounded.close());
  }

  @Test
  void theLogIsCheckpointedEveryFewSegmentsWhateverTheBudget() throws Exception {
    // 8 KiB segments and no budget or interval: the writer checkpoints after CHECKPOINT_SEGMENTS of them, so the
    // live log stays a few segments long however much is written.
    Path data = tmp.resolve("data");
    MvStoreConfigStore store = open(data, 8 * 1024, Duration.ofHours(1), () -> Long.MAX_VALUE);
    writeAll(store);
    Thread.sleep(200);
    List<Long> live = WriteAheadLog.segmentIds(data.resolve("wal"));
    assertThat(live.get(live.size() - 1)).as("segments written").isGreaterThan(2L * MvStoreConfigStore.CHECKPOINT_SEGMENTS);
    assertThat(live).as("live segments").hasSizeLessThanOrEqualTo(MvStoreConfigStore.CHECKPOINT_SEGMENTS + 1);
    await(store.close());
  }

  private static Throwable awaitFailure(Future<?> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().handle((ok, failure) -> failure).get(10, TimeUnit.SECONDS);
  }

  private MvStoreConfigStore open(Path data, int segmentBytes, Duration checkpointInterval) throws Exception {
    return await(MvStoreConfigStore.open(vertx, data, MAX_VERSIONS, Clock.systemUTC(), true, segmentBytes,
        checkpointInterval));
  }

  private MvStoreConfigStore open(Path data, int segmentBytes, Duration checkpointInterval, LongSupplier budget)
      throws Exception {
    return await(MvStoreConfigStore.open(vertx, data, MAX_VERSIONS, Clock.systemUTC(), true, segmentBytes,
        checkpointInterval, budget));
  }

  /** VERSIONS rounds of one write to each key, all keys concurrently; every write acknowledged. */
  private static void writeAll(MvStoreConfigStore store) throws Exception {
    for (int v = 1; v <= VERSIONS; v++) {
      List<Future<?>> round = new ArrayList<>();
      for (int k = 0; k < KEYS; k++) {
        round.add(store.put(key(k), value(k, v), Precondition.NONE));
      }
      await(Future.all(round));
    }
  }

  private static void assertEverythingThere(MvStoreConfigStore store) throws Exception {
    for (int k = 0; k < KEYS; k++) {
      ConfigEntry latest = await(store.get(key(k))).orElseThrow();
      assertThat(latest.version()).isEqualTo(VERSIONS);
      assertThat(latest.valueJson()).isEqualTo(value(k, VERSIONS));
      List<ConfigEntry> history = await(store.history(key(k), 100, null)).items();
      assertThat(history).extracting(ConfigEntry::version)
          .containsExactly(30L, 29L, 28L, 27L, 26L);
      for (ConfigEntry e : history) {
        assertThat(e.valueJson()).isEqualTo(value(k, (int) e.version()));
      }
    }
  }

  private static ConfigKey key(int k) {
    return ConfigKey.of("recovery/key-" + k);
  }

  private static String value(int k, int v) {
    return "{\"key\":" + k + ",\"version\":" + v + ",\"pad\":\"" + "p".repeat(120) + "\"}";
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        try {
          Files.copy(p, to.resolve(p.getFileName()));
        } catch (java.nio.file.NoSuchFileException recycled) {
          // The checkpointer recycled this segment after the listing: the MVStore file, copied after the log,
          // already covers it, as it would in a crash at this moment.
        }
      }
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
