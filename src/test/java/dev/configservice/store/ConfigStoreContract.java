package dev.configservice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.ConfigNotFoundException;
import dev.configservice.domain.ConfigStore;
import dev.configservice.domain.InvalidCursorException;
import dev.configservice.domain.Page;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.PreconditionFailedException;
import dev.configservice.domain.PutResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ConfigStore} must do, whichever technology is behind it. Subclasses say how to make
 * a fresh, empty store; the same tests then run against each implementation.
 */
public abstract class ConfigStoreContract {

  protected static final int MAX_VERSIONS = 5;

  protected Vertx vertx;
  protected ConfigStore store;

  /** A new, empty store that keeps at most {@code maxVersions} versions per key. */
  protected abstract Future<? extends ConfigStore> newStore(Vertx vertx, int maxVersions);

  @BeforeEach
  void openStore() throws Exception {
    vertx = Vertx.vertx();
    store = await(newStore(vertx, MAX_VERSIONS));
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store != null) {
      await(store.close());
    }
    await(vertx.close());
  }

  protected static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new AssertionError("store call did not answer within 30 s", e);
    }
  }

  protected static ConfigKey key(String k) {
    return ConfigKey.of(k);
  }

  @Test
  void putCreatesVersionOneAndGetReturnsIt() throws Exception {
    PutResult result = await(store.put(key("app/db.url"), "\"jdbc:x\"", Precondition.NONE));

    assertThat(result.created()).isTrue();
    assertThat(result.entry().version()).isEqualTo(1);
    assertThat(result.entry().valueJson()).isEqualTo("\"jdbc:x\"");
    Optional<ConfigEntry> read = await(store.get(key("app/db.url")));
    assertThat(read).contains(result.entry());
  }

  @Test
  void getOfAnAbsentKeyIsEmpty() throws Exception {
    assertThat(await(store.get(key("nothing/here")))).isEmpty();
  }

  @Test
  void getManyAnswersEachKeyAsGetDoesBeyondOneBatch() throws Exception {
    // 250 keys: three DynamoDB BatchGetItem calls (100 keys each at most); a deleted and a never-written key among them
    List<ConfigKey> keys = new ArrayList<>();
    List<Future<PutResult>> writes = new ArrayList<>();
    for (int i = 0; i < 248; i++) {
      keys.add(key("many/k" + i));
      writes.add(store.put(keys.get(i), "{\"n\":" + i + "}", Precondition.NONE));
      // 16 writes in flight at most: 248 at once kept dynalite, a single Node process, busy past the SDK's attempt
      // timeout on a loaded machine, and the setup, not the reads under test, failed.
      if (writes.size() == 16 || i == 247) {
        await(Future.all(writes));
        writes.clear();
      }
    }
    await(store.put(keys.get(7), "\"second\"", Precondition.NONE));
    await(store.delete(keys.get(9), Precondition.NONE));
    keys.add(key("many/never-written"));
    keys.add(keys.get(3)); // a key asked for twice is read once

    Map<ConfigKey, Optional<ConfigEntry>> read = await(store.getMany(keys));

    assertThat(read).hasSize(249);
    for (ConfigKey k : new HashSet<>(keys)) {
      assertThat(read.get(k)).as(k.value()).isEqualTo(await(store.get(k)));
    }
    assertThat(read.get(keys.get(7))).get().extracting(ConfigEntry::version, ConfigEntry::valueJson)
        .containsExactly(2L, "\"second\"");
    assertThat(read.get(keys.get(9))).isEmpty();
    assertThat(read.get(key("many/never-written"))).isEmpty();
    assertThat(await(store.getMany(List.of()))).isEmpty();
  }

  @Test
  void putReplacesWithTheNextVersion() throws Exception {
    await(store.put(key("k"), "1", Precondition.NONE));
    PutResult second = await(store.put(key("k"), "{\"a\":[1,2]}", Precondition.NONE));

    assertThat(second.created()).isFalse();
    assertThat(second.entry().version()).isEqualTo(2);
    assertThat(await(store.get(key("k")))).get().extracting(ConfigEntry::valueJson).isEqualTo("{\"a\":[1,2]}");
  }

  @Test
  void conditionalPutSucceedsOnlyOnTheCurrentVersion() throws Exception {
    await(store.put(key("k"), "1", Precondition.NONE));
    await(store.put(key("k"), "2", Precondition.versionIs(1)));

    assertThatThrownBy(() -> await(store.put(key("k"), "3", Precondition.versionIs(1))))
        .isInstanceOfSatisfying(PreconditionFailedException.class, e -> assertThat(e.currentVersion()).isEqualTo(2));
    assertThat(await(store.get(key("k")))).get().extracting(ConfigEntry::valueJson).isEqualTo("2");
  }

  @Test
  void createOnlyPutFailsWhenTheKeyExists() throws Exception {
    assertThat(await(store.put(key("k"), "1", Precondition.ABSENT)).created()).isTrue();

    assertThatThrownBy(() -> await(store.put(key("k"), "2", Precondition.ABSENT)))
        .isInstanceOf(PreconditionFailedException.class);
    assertThat(await(store.get(key("k")))).get().extracting(ConfigEntry::version).isEqualTo(1L);
  }

  @Test
  void mustExistPutFailsOnAnAbsentKey() throws Exception {
    assertThatThrownBy(() -> await(store.put(key("k"), "1", Precondition.EXISTS)))
        .isInstanceOfSatisfying(PreconditionFailedException.class, e -> assertThat(e.currentVersion()).isZero());
    assertThat(await(store.get(key("k")))).isEmpty();
  }

  @Test
  void deleteWritesATombstoneAndVersionsContinueAfterIt() throws Exception {
    await(store.put(key("k"), "1", Precondition.NONE));
    await(store.put(key("k"), "2", Precondition.NONE));

    ConfigEntry tombstone = await(store.delete(key("k"), Precondition.NONE));
    assertThat(tombstone.deleted()).isTrue();
    assertThat(tombstone.version()).isEqualTo(3);
    assertThat(await(store.get(key("k")))).isEmpty();
    assertThat(await(store.getVersion(key("k"), 3))).get().extracting(ConfigEntry::deleted).isEqualTo(true);

    PutResult again = await(store.put(key("k"), "4", Precondition.ABSENT));
    assertThat(again.created()).isTrue();
    assertThat(again.entry().version()).isEqualTo(4);
  }

  @Test
  void deleteOfAnAbsentKeyIsNotFound() throws Exception {
    assertThatThrownBy(() -> await(store.delete(key("k"), Precondition.NONE)))
        .isInstanceOf(ConfigNotFoundException.class);
    await(store.put(key("k"), "1", Precondition.NONE));
    await(store.delete(key("k"), Precondition.NONE));
    assertThatThrownBy(() -> await(store.delete(key("k"), Precondition.NONE)))
        .isInstanceOf(ConfigNotFoundException.class);
  }

  @Test
  void conditionalDeleteHonoursTheVersion() throws Exception {
    await(store.put(key("k"), "1", Precondition.NONE));
    await(store.put(key("k"), "2", Precondition.NONE));

    assertThatThrownBy(() -> await(store.delete(key("k"), Precondition.versionIs(1))))
        .isInstanceOf(PreconditionFailedException.class);
    assertThat(await(store.get(key("k")))).isPresent();
    assertThat(await(store.delete(key("k"), Precondition.versionIs(2))).version()).isEqualTo(3);
    assertThatThrownBy(() -> await(store.delete(key("absent"), Precondition.versionIs(1))))
        .isInstanceOf(PreconditionFailedException.class);
  }

  @Test
  void getVersionReturnsHistoricalVersionsAndNothingForOthers() throws Exception {
    await(store.put(key("k"), "\"one\"", Precondition.NONE));
    await(store.put(key("k"), "\"two\"", Precondition.NONE));

    assertThat(await(store.getVersion(key("k"), 1))).get().extracting(ConfigEntry::valueJson).isEqualTo("\"one\"");
    assertThat(await(store.getVersion(key("k"), 2))).get().extracting(ConfigEntry::valueJson).isEqualTo("\"two\"");
    assertThat(await(store.getVersion(key("k"), 3))).isEmpty();
    assertThat(await(store.getVersion(key("other"), 1))).isEmpty();
  }

  @Test
  void listReturnsLiveKeysWithThePrefixInKeyOrderAcrossPages() throws Exception {
    List<String> keys = List.of("app/b", "app/a", "app/c/d", "app/c", "apq", "ap", "zzz", "app/e");
    for (String k : keys) {
      await(store.put(key(k), "\"" + k + "\"", Precondition.NONE));
    }
    await(store.delete(key("app/e"), Precondition.NONE));

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Page<ConfigEntry> page = await(store.list("app/", 2, cursor));
      assertThat(page.items()).hasSizeLessThanOrEqualTo(2);
      page.items().forEach(e -> seen.add(e.key().value()));
      cursor = page.nextCursor();
      pages++;
    } while (cursor != null && pages < 10);

    assertThat(seen).containsExactly("app/a", "app/b", "app/c", "app/c/d");
    assertThat(await(store.list("", 100, null)).items()).extracting(e -> e.key().value())
        .containsExactly("ap", "app/a", "app/b", "app/c", "app/c/d", "apq", "zzz");
    assertThat(await(store.list("nope", 10, null)).items()).isEmpty();
    assertThat(await(store.list("nope", 10, null)).nextCursor()).isNull();
  }

  @Test
  void listShowsEachKeysNewestVersionOnceWhateverItsHistory() throws Exception {
    // Keys that start one another, each with more versions than are kept (and past a batched prune, which the
    // embedded store runs every 16th version), one deleted, one deleted and re-created.
    List<String> keys = List.of("a", "a-b", "a.b", "a/b", "a/b/c", "ab", "b");
    for (int round = 1; round <= 20; round++) {
      for (String k : keys) {
        await(store.put(key(k), "\"" + k + " " + round + "\"", Precondition.NONE));
      }
    }
    await(store.delete(key("a.b"), Precondition.NONE));
    await(store.delete(key("ab"), Precondition.NONE));
    await(store.put(key("ab"), "\"back\"", Precondition.NONE));

    for (int pageSize : List.of(1, 2, 100)) {
      List<ConfigEntry> seen = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        Page<ConfigEntry> page = await(store.list("a", pageSize, cursor));
        seen.addAll(page.items());
        cursor = page.nextCursor();
      } while (cursor != null && ++pages < 20);
      assertThat(seen).extracting(e -> e.key().value()).as("page size %d", pageSize)
          .containsExactly("a", "a-b", "a/b", "a/b/c", "ab");
      assertThat(seen).extracting(ConfigEntry::valueJson).as("page size %d", pageSize).containsExactly(
          "\"a 20\"", "\"a-b 20\"", "\"a/b 20\"", "\"a/b/c 20\"", "\"back\"");
      assertThat(seen).extracting(ConfigEntry::version).containsExactly(20L, 20L, 20L, 20L, 22L);
    }
    assertThat(await(store.list("a/b", 10, null)).items()).extracting(e -> e.key().value())
        .containsExactly("a/b", "a/b/c");
    // Keys never written that sort among these (just after "a/b", just after "a", past the last) have nothing.
    for (String absent : List.of("a/b/a", "a/a", "a0", "aa", "c")) {
      assertThat(await(store.get(key(absent)))).as(absent).isEmpty();
      assertThat(await(store.history(key(absent), 10, null)).items()).as(absent).isEmpty();
    }
  }

  @Test
  void listHasNoCursorWhenTheLastPageIsExactlyFull() throws Exception {
    await(store.put(key("p/1"), "1", Precondition.NONE));
    await(store.put(key("p/2"), "2", Precondition.NONE));

    Page<ConfigEntry> page = await(store.list("p/", 2, null));
    assertThat(page.items()).hasSize(2);
    if (page.nextCursor() != null) {
      // A store may not know that the page was the last one; the next page must then be empty and final.
      Page<ConfigEntry> next = await(store.list("p/", 2, page.nextCursor()));
      assertThat(next.items()).isEmpty();
      assertThat(next.nextCursor()).isNull();
    }
  }

  @Test
  void listRejectsCursorsItDidNotMake() throws Exception {
    await(store.put(key("a/1"), "1", Precondition.NONE));
    await(store.put(key("a/2"), "2", Precondition.NONE));
    await(store.put(key("b/1"), "1", Precondition.NONE));
    String cursor = await(store.list("a/", 1, null)).nextCursor();
    assertThat(cursor).isNotNull();

    assertThatThrownBy(() -> await(store.list("b/", 1, cursor))).isInstanceOf(InvalidCursorException.class);
    assertThatThrownBy(() -> await(store.list("a/", 1, "not a cursor!"))).isInstanceOf(InvalidCursorException.class);
  }

  @Test
  void historyIsNewestFirstWithTombstonesAndPages() throws Exception {
    await(store.put(key("h"), "1", Precondition.NONE));
    await(store.put(key("h"), "2", Precondition.NONE));
    await(store.delete(key("h"), Precondition.NONE));
    await(store.put(key("h"), "4", Precondition.NONE));
    await(store.put(key("h/child"), "\"other key\"", Precondition.NONE));
    await(store.put(key("g"), "\"other key\"", Precondition.NONE));

    Page<ConfigEntry> first = await(store.history(key("h"), 3, null));
    assertThat(first.items()).extracting(ConfigEntry::version).containsExactly(4L, 3L, 2L);
    assertThat(first.items()).extracting(ConfigEntry::deleted).containsExactly(false, true, false);
    assertThat(first.nextCursor()).isNotNull();

    Page<ConfigEntry> second = await(store.history(key("h"), 3, first.nextCursor()));
    assertThat(second.items()).extracting(ConfigEntry::version).containsExactly(1L);
    assertThat(second.nextCursor()).isNull();
    assertThat(await(store.history(key("never"), 10, null)).items()).isEmpty();
    assertThatThrownBy(() -> await(store.history(key("h"), 3, "garbage"))).isInstanceOf(InvalidCursorException.class);
  }

  @Test
  void historyIsPrunedToTheConfiguredNumberOfVersions() throws Exception {
    for (int i = 1; i <= MAX_VERSIONS + 3; i++) {
      await(store.put(key("pruned"), Integer.toString(i), Precondition.NONE));
    }

    List<ConfigEntry> kept = await(store.history(key("pruned"), 100, null)).items();
    assertThat(kept).extracting(ConfigEntry::version)
        .containsExactly(IntStream.rangeClosed(4, MAX_VERSIONS + 3).map(i -> MAX_VERSIONS + 7 - i).asLongStream().boxed()
            .toArray(Long[]::new));
    assertThat(await(store.getVersion(key("pruned"), 1))).isEmpty();
    assertThat(await(store.getVersion(key("pruned"), 4))).isPresent();
    assertThat(await(store.get(key("pruned")))).get().extracting(ConfigEntry::version).isEqualTo((long) MAX_VERSIONS + 3);
  }

  @Test
  void valuesRoundTripExactly() throws Exception {
    String value = "{\"unicode\":\"h\u00e9llo \u2603 \ud83d\ude00\",\"tab\":\"a\\tb\",\"n\":[1,2.5,-3e10,true,null]}";
    await(store.put(key("u"), value, Precondition.NONE));
    assertThat(await(store.get(key("u")))).get().extracting(ConfigEntry::valueJson).isEqualTo(value);
    String big = "\"" + "x".repeat(60_000) + "\"";
    await(store.put(key("big"), big, Precondition.NONE));
    assertThat(await(store.get(key("big")))).get().extracting(ConfigEntry::valueJson).isEqualTo(big);
  }

  @Test
  void racingConditionalWritersGetExactlyOneWinnerPerVersion() throws Exception {
    await(store.put(key("race"), "0", Precondition.NONE));
    int writers = 20;
    int rounds = 3;
    Set<Long> won = new HashSet<>();
    for (int round = 0; round < rounds; round++) {
      long expected = await(store.get(key("race"))).orElseThrow().version();
      List<Future<PutResult>> attempts = IntStream.range(0, writers)
          .mapToObj(i -> store.put(key("race"), Integer.toString(i), Precondition.versionIs(expected)))
          .collect(Collectors.toList());
      await(Future.join(attempts).otherwiseEmpty());
      List<Future<PutResult>> winners = attempts.stream().filter(Future::succeeded).toList();
      assertThat(winners).hasSize(1);
      assertThat(attempts.stream().filter(Future::failed))
          .allSatisfy(f -> assertThat(f.cause()).isInstanceOf(PreconditionFailedException.class));
      assertThat(won.add(winners.get(0).result().entry().version())).isTrue();
    }
    List<Long> versions = await(store.history(key("race"), 100, null)).items().stream().map(ConfigEntry::version).toList();
    assertThat(versions).containsExactly(4L, 3L, 2L, 1L);
  }

  @Test
  void pingSucceedsOnAnOpenStore() throws Exception {
    assertThat(await(store.ping())).isNull();
  }
}
