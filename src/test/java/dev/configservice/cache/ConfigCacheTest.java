package dev.configservice.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class ConfigCacheTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ConfigCache cache = new ConfigCache(1000, Duration.ZERO,
      e -> e.valueJson().getBytes(StandardCharsets.UTF_8), registry);
  private final ConfigKey key = ConfigKey.of("a/b");

  private ConfigEntry value(long version) {
    return ConfigEntry.value(key, version, Long.toString(version), Instant.EPOCH);
  }

  @Test
  void missThenHitCountsBoth() {
    assertThat(cache.lookup("a/b")).isNull();
    cache.apply(value(1));
    assertThat(cache.lookup("a/b").body()).isEqualTo("1".getBytes(StandardCharsets.UTF_8));
    assertThat(registry.get("config.cache.hits").counter().count()).isEqualTo(1);
    assertThat(registry.get("config.cache.misses").counter().count()).isEqualTo(1);
    assertThat(registry.get("config.cache.entries").gauge().value()).isEqualTo(1);
  }

  @RepeatedTest(20)
  void outOfOrderChangesNeverMoveBackwards() {
    List<ConfigEntry> changes = new ArrayList<>();
    for (long v = 1; v <= 30; v++) {
      changes.add(v % 7 == 0 ? ConfigEntry.tombstone(key, v, Instant.EPOCH) : value(v));
    }
    Collections.shuffle(changes, new Random());
    for (ConfigEntry change : changes) {
      cache.apply(change);
      cache.applyAbsent(key, 0); // a late "absent" from the store must not erase anything either
    }
    CachedEntry result = cache.lookup("a/b");
    assertThat(result.version()).isEqualTo(30);
    assertThat(result.present()).isTrue();
  }

  @Test
  void writesUpdateKeysTheCacheHoldsAndLeaveOthersToTheirNextRead() {
    for (int i = 0; i < 500; i++) {
      byte[] body = cache.applyWrite(ConfigEntry.value(ConfigKey.of("new/" + i), 1, "1", Instant.EPOCH));
      assertThat(body).as("the write's answer is rendered all the same").isEqualTo("1".getBytes(StandardCharsets.UTF_8));
    }
    cache.applyChange(ConfigEntry.value(ConfigKey.of("other/instance"), 3, "3", Instant.EPOCH));
    assertThat(cache.size()).isZero();

    cache.apply(value(1)); // read
    cache.applyWrite(value(2));
    assertThat(cache.lookup("a/b").version()).isEqualTo(2);
    cache.applyChange(value(3));
    assertThat(cache.lookup("a/b").body()).isEqualTo("3".getBytes(StandardCharsets.UTF_8));
    cache.applyWrite(ConfigEntry.tombstone(key, 4, Instant.EPOCH));
    assertThat(cache.lookup("a/b").present()).isFalse();
  }

  @Test
  void aReadThatBeganBeforeAWriteToAKeyNotHeldCachesNothing() {
    long beforeWrite = cache.readStamp("a/b");
    cache.applyWrite(value(2)); // not held: not cached, but the stamp moves
    byte[] body = cache.applyRead(value(1), beforeWrite); // the read saw the value before the write
    assertThat(body).as("it still answers its own caller").isEqualTo("1".getBytes(StandardCharsets.UTF_8));
    assertThat(cache.lookup("a/b")).isNull();
    cache.applyAbsent(key, 0, beforeWrite);
    assertThat(cache.lookup("a/b")).isNull();

    long afterWrite = cache.readStamp("a/b");
    cache.applyRead(value(2), afterWrite);
    assertThat(cache.lookup("a/b").version()).isEqualTo(2);
  }

  @Test
  void aReadCachedJustBeforeAWriteIsOverwrittenByIt() {
    long stamp = cache.readStamp("a/b");
    cache.applyRead(value(1), stamp); // cached before the write moved the stamp
    cache.applyWrite(value(2));
    assertThat(cache.lookup("a/b").version()).isEqualTo(2);
    cache.applyRead(value(1), stamp); // a second, late copy of the old read changes nothing
    assertThat(cache.lookup("a/b").version()).isEqualTo(2);
  }

  /**
   * A write racing a store read of the same key, two threads, thousands of rounds (the key is evicted between rounds,
   * so that the write finds it not held): after both, the cache holds nothing or the written version, never the one
   * the read saw before the write.
   */
  @Test
  void aReadRacingAWriteNeverLeavesTheOlderVersionCached() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.atomic.AtomicLong store = new java.util.concurrent.atomic.AtomicLong(1);
      int stale = 0;
      for (int round = 0; round < 50_000; round++) {
        cache.invalidate("a/b");
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.Future<?> read = pool.submit(() -> {
          go.await();
          long stamp = cache.readStamp("a/b");
          long seen = store.get(); // the store read
          Thread.onSpinWait();
          cache.applyRead(value(seen), stamp);
          return null;
        });
        java.util.concurrent.Future<?> write = pool.submit(() -> {
          go.await();
          long written = store.incrementAndGet(); // durable in the store, then made visible here
          cache.applyWrite(value(written));
          return null;
        });
        go.countDown();
        read.get();
        write.get();
        CachedEntry held = cache.lookup("a/b");
        if (held != null && held.version() != store.get()) {
          stale++;
        }
      }
      assertThat(stale).as("rounds that left an older version cached").isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void changeEventsAndInvalidationsMoveTheStampOfKeysNotHeld() {
    long stamp = cache.readStamp("a/b");
    cache.applyChange(value(5));
    assertThat(cache.current("a/b", stamp)).isFalse();
    stamp = cache.readStamp("a/b");
    cache.invalidate("a/b");
    assertThat(cache.current("a/b", stamp)).isFalse();
    cache.applyRead(value(5), stamp);
    assertThat(cache.lookup("a/b")).isNull();
  }

  @Test
  void deletionsAndAbsenceAreRemembered() {
    cache.apply(value(1));
    cache.apply(ConfigEntry.tombstone(key, 2, Instant.EPOCH));
    assertThat(cache.lookup("a/b").present()).isFalse();
    cache.applyAbsent(ConfigKey.of("never"), 0);
    assertThat(cache.lookup("never").present()).isFalse();
    cache.apply(ConfigEntry.value(ConfigKey.of("never"), 1, "1", Instant.EPOCH));
    assertThat(cache.lookup("never").present()).isTrue();
    cache.invalidate("never");
    assertThat(cache.lookup("never")).isNull();
  }

  @Test
  void entriesExpireAfterTheTtl() throws InterruptedException {
    ConfigCache shortLived = new ConfigCache(10, Duration.ofMillis(30), e -> new byte[0], new SimpleMeterRegistry());
    shortLived.apply(value(1));
    assertThat(shortLived.lookup("a/b")).isNotNull();
    Thread.sleep(60);
    assertThat(shortLived.lookup("a/b")).isNull();
  }

  @Test
  void keysCachedTogetherExpireSpreadOverTheLastEighthOfTheTtlNeverLater() throws InterruptedException {
    ConfigCache shortLived = new ConfigCache(1000, Duration.ofMillis(800), e -> new byte[0], new SimpleMeterRegistry());
    for (int i = 0; i < 200; i++) {
      shortLived.apply(ConfigEntry.value(ConfigKey.of("k/" + i), 1, "1", Instant.EPOCH));
    }
    long[] stored = new long[200];
    for (int i = 0; i < 200; i++) {
      stored[i] = shortLived.lookup("k/" + i).storedAtNanos();
    }
    long spread = java.util.Arrays.stream(stored).max().getAsLong() - java.util.Arrays.stream(stored).min().getAsLong();
    assertThat(spread).as("expiry moments of keys cached together")
        .isGreaterThan(Duration.ofMillis(50).toNanos()).isLessThanOrEqualTo(Duration.ofMillis(100).toNanos() + 50_000_000);
    Thread.sleep(850);
    for (int i = 0; i < 200; i++) {
      assertThat(shortLived.lookup("k/" + i)).as("past the TTL").isNull();
    }
  }

  @Test
  void aRefreshIsDueInTheLastQuarterOfTheTtlAndConfirmingTheVersionRenewsIt() throws InterruptedException {
    ConfigCache shortLived = new ConfigCache(10, Duration.ofMillis(400), e -> new byte[0], new SimpleMeterRegistry());
    shortLived.apply(value(1));
    assertThat(shortLived.refreshDue(shortLived.lookup("a/b"))).isFalse();
    Thread.sleep(320);
    assertThat(shortLived.refreshDue(shortLived.lookup("a/b"))).isTrue();
    shortLived.apply(value(1)); // a store read found the same version
    assertThat(shortLived.refreshDue(shortLived.lookup("a/b"))).isFalse();
    // One re-read per key at a time, whichever event loop asks.
    assertThat(shortLived.claimRefresh("a/b")).isTrue();
    assertThat(shortLived.claimRefresh("a/b")).isFalse();
    shortLived.refreshed("a/b", false);
    assertThat(shortLived.claimRefresh("a/b")).isTrue();
    // Without a TTL nothing expires and nothing is re-read.
    cache.apply(value(1));
    assertThat(cache.refreshDue(cache.lookup("a/b"))).isFalse();
  }

  @Test
  void anExpiredEntryKeepsAnsweringWhileItsReReadIsInProgressButNotAfterItFails() throws InterruptedException {
    ConfigCache staleOk = new ConfigCache(10, Long.MAX_VALUE, Duration.ofMillis(50), Duration.ofSeconds(10),
        e -> new byte[1], v -> "\"" + v + "\"", new SimpleMeterRegistry());
    staleOk.apply(value(1));
    assertThat(staleOk.claimRefresh("a/b")).isTrue();
    Thread.sleep(100);
    assertThat(staleOk.lookupLive("a/b")).as("expired, re-read in progress").isNotNull();
    assertThat(staleOk.lookup("a/b")).isNotNull();
    staleOk.refreshed("a/b", true);
    assertThat(staleOk.lookupLive("a/b")).as("expired, re-read failed").isNull();
    assertThat(staleOk.lookup("a/b")).isNull();
  }

  @Test
  void anExpiredEntryAnswersAfterAStoreFailureOnlyWithinStaleIfError() throws InterruptedException {
    SimpleMeterRegistry counted = new SimpleMeterRegistry();
    ConfigCache staleOk = new ConfigCache(10, Long.MAX_VALUE, Duration.ofMillis(50), Duration.ofMillis(200),
        e -> new byte[1], v -> "\"" + v + "\"", counted);
    staleOk.apply(value(1));
    staleOk.applyAbsent(ConfigKey.of("gone"), 0);
    Thread.sleep(100);
    assertThat(staleOk.lookup("a/b")).as("expired").isNull();
    CachedEntry stale = staleOk.lookupStale("a/b");
    assertThat(stale.version()).isEqualTo(1);
    assertThat(staleOk.lookupStale("gone")).as("only values answer stale, not absence").isNull();
    assertThat(counted.get("config.cache.stale.answers").counter().count()).isEqualTo(1);
    Thread.sleep(250);
    assertThat(staleOk.lookupStale("a/b")).as("past TTL + staleIfError").isNull();

    ConfigCache strict = new ConfigCache(10, Long.MAX_VALUE, Duration.ofMillis(50), Duration.ZERO,
        e -> new byte[1], v -> "\"" + v + "\"", new SimpleMeterRegistry());
    strict.apply(value(1));
    Thread.sleep(100);
    assertThat(strict.lookupStale("a/b")).isNull();
  }

  @Test
  void sizeIsBounded() {
    ConfigCache small = new ConfigCache(100, Duration.ZERO, e -> new byte[0], new SimpleMeterRegistry());
    for (int i = 0; i < 1000; i++) {
      small.apply(ConfigEntry.value(ConfigKey.of("k" + i), 1, "1", Instant.EPOCH));
    }
    assertThat(small.size()).isLessThanOrEqualTo(100);
  }

  @Test
  void bytesAreBoundedToo() {
    // 1 KiB bodies, room for 100 entries by count but for about 40 by bytes
    long maxBytes = 40L * (1024 + ConfigCache.ENTRY_OVERHEAD_BYTES + 4);
    ConfigCache bounded = new ConfigCache(100, maxBytes, Duration.ZERO, Duration.ZERO, e -> new byte[1024], v -> "\"" + v + "\"",
        new SimpleMeterRegistry());
    for (int i = 0; i < 1000; i++) {
      bounded.apply(ConfigEntry.value(ConfigKey.of("k" + i), 1, "1", Instant.EPOCH));
    }
    assertThat(bounded.size()).isBetween(30L, 40L);
  }

  private static ConfigCache kibEntries(int entries, SimpleMeterRegistry registry) {
    long maxBytes = entries * (1024L + ConfigCache.ENTRY_OVERHEAD_BYTES + 5);
    ConfigCache cache = new ConfigCache(entries, maxBytes, Duration.ZERO, Duration.ZERO, e -> new byte[1024],
        v -> "\"" + v + "\"", registry);
    for (int i = 0; i < entries; i++) {
      cache.apply(ConfigEntry.value(ConfigKey.of("k" + i), 1, "1", Instant.EPOCH));
    }
    return cache;
  }

  @Test
  void aFullHeapMakesTheCacheGiveBackAQuarterAtMostOncePerInterval() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ConfigCache full = kibEntries(1000, meters);
    long configured = full.maxBytes();
    assertThat(full.size()).isBetween(990L, 1000L);
    assertThat(meters.get("config.cache.max.bytes").gauge().value()).isEqualTo(configured);

    assertThat(full.yieldHeap()).isTrue();
    assertThat(full.size()).as("evicted at once").isBetween(700L, 760L);
    assertThat(full.maxBytes()).isLessThanOrEqualTo(configured * 3 / 4);
    assertThat(full.yieldHeap()).as("the next collection's reading lags the cut: wait an interval").isFalse();
    assertThat(full.size()).isBetween(700L, 760L);
    assertThat(meters.get("config.cache.heap.yields").counter().count()).isEqualTo(1);
  }

  @Test
  void theCacheNeverGivesBackMoreThanThreeQuartersAndGetsItsBoundBackAfterACalm() throws Exception {
    ConfigCache full = kibEntries(1000, new SimpleMeterRegistry());
    long configured = full.maxBytes();
    assertThat(full.restoreHeapIfCalm()).as("nothing to restore").isFalse();
    full.yieldTiming(Duration.ZERO, Duration.ofMillis(300));
    int cuts = 0;
    while (full.yieldHeap()) {
      cuts++;
    }
    assertThat(cuts).isBetween(4, 6);
    assertThat(full.maxBytes()).isEqualTo(configured / ConfigCache.YIELD_FLOOR_FRACTION);
    assertThat(full.size()).isBetween(230L, 250L);

    assertThat(full.restoreHeapIfCalm()).as("too soon after the last cut").isFalse();
    assertThat(full.maxBytes()).isEqualTo(configured / ConfigCache.YIELD_FLOOR_FRACTION);
    Thread.sleep(400);
    assertThat(full.restoreHeapIfCalm()).isTrue();
    assertThat(full.maxBytes()).isEqualTo(configured);
    assertThat(full.restoreHeapIfCalm()).as("once").isFalse();
    for (int i = 1000; i < 2000; i++) {
      full.apply(ConfigEntry.value(ConfigKey.of("k" + i), 1, "1", Instant.EPOCH));
    }
    assertThat(full.size()).as("refilled up to the configured bound").isBetween(990L, 1000L);
  }

  @Test
  void aCacheBoundedByEntriesOnlyHasNoBytesToGiveBack() {
    ConfigCache byCount = new ConfigCache(100, Long.MAX_VALUE, Duration.ZERO, Duration.ZERO, e -> new byte[10],
        v -> "\"" + v + "\"", new SimpleMeterRegistry());
    byCount.apply(ConfigEntry.value(ConfigKey.of("k"), 1, "1", Instant.EPOCH));
    assertThat(byCount.yieldHeap()).isFalse();
    assertThat(byCount.maxBytes()).isZero();
    assertThat(byCount.restoreHeapIfCalm()).isFalse();
    assertThat(byCount.size()).isEqualTo(1);
  }

  @Test
  void theEntryBoundHoldsUnderAByteBoundForSmallBodies() {
    ConfigCache bounded = new ConfigCache(100, 1L << 30, Duration.ZERO, Duration.ZERO, e -> new byte[10], v -> "\"" + v + "\"",
        new SimpleMeterRegistry());
    for (int i = 0; i < 1000; i++) {
      bounded.apply(ConfigEntry.value(ConfigKey.of("k" + i), 1, "1", Instant.EPOCH));
    }
    assertThat(bounded.size()).isBetween(90L, 100L);
  }

  @Test
  void changeEventsSurviveTheWireCodec() {
    ConfigChangedCodec codec = new ConfigChangedCodec();
    io.vertx.core.buffer.Buffer buffer = io.vertx.core.buffer.Buffer.buffer().appendString("prefix");
    var event = new dev.configservice.domain.ConfigChanged(ConfigEntry.value(key, 3, "{\"\u00e9\":1}", Instant.ofEpochMilli(5)));
    codec.encodeToWire(buffer, event);
    assertThat(codec.decodeFromWire(6, buffer)).isEqualTo(event);
    var tombstone = new dev.configservice.domain.ConfigChanged(ConfigEntry.tombstone(key, 4, Instant.ofEpochMilli(6)));
    io.vertx.core.buffer.Buffer b2 = io.vertx.core.buffer.Buffer.buffer();
    codec.encodeToWire(b2, tombstone);
    assertThat(codec.decodeFromWire(0, b2)).isEqualTo(tombstone);
    assertThat(codec.transform(event)).isSameAs(event);
    assertThat(codec.name()).isEqualTo("config-changed");
    assertThat(codec.systemCodecID()).isEqualTo((byte) -1);
  }
}
