package dev.configservice.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;

/**
 * The bounded in-memory read cache, shared by every HTTP verticle of this process and read directly from their
 * event loops (no hop through another thread). Entries only ever move forward in version, so an event or a
 * store read that arrives late cannot bring back an older value. Entries hold the rendered GET body, so a
 * hit costs a lookup and a write to the socket.
 *
 * <p>With a TTL, an entry answers reads for that long after it was stored or last confirmed by a store read.
 * A read in the last quarter of that time says so ({@link #refreshDue}), so that the caller re-reads the key in
 * the background and a key in use never expires: its readers never wait for the store. Past the TTL an entry
 * answers only when the store read that should replace it failed, and for at most {@code staleIfError} more
 * ({@link #lookupStale}).
 *
 * <p>It holds what is read: a write updates the entry of a key the cache holds, and leaves a key it does not hold
 * to the next read. A storm of writes to new keys would otherwise fill it with values nobody asked for, evicting
 * the ones in use and keeping the heap full of entries that live just long enough to be promoted (with 200,000
 * new keys cached, G1 spent more CPU marking and copying them than the writes themselves cost). So that a store
 * read which began before such a write cannot cache the value the write replaced, reads carry a stamp
 * ({@link #readStamp}) taken before they start: a write to a key the cache does not hold moves the stamp of that
 * key's slot, and a read whose slot moved caches nothing (it still answers its own caller).
 */
public final class ConfigCache {

  private final Cache<String, CachedEntry> entries;
  private final Function<ConfigEntry, byte[]> render;
  private final java.util.function.LongFunction<String> etagOf;
  private final long ttlNanos;
  private final long refreshNanos;
  private final long staleNanos;
  private final Counter hits;
  private final Counter misses;
  private final Counter stale;
  private final Counter refreshFailures;
  private final Counter refreshes;
  /** The weight bound it was configured with (CACHE_MAX_BYTES); 0 when it is bounded by entries only. */
  private final long configuredMaxWeight;
  private final Counter heapYields;
  private volatile long yieldIntervalNanos = YIELD_INTERVAL_NANOS;
  private volatile long restoreAfterNanos = RESTORE_AFTER_NANOS;
  private volatile boolean lowered;
  private volatile long lastYieldNanos = System.nanoTime() - YIELD_INTERVAL_NANOS;
  /**
   * Write stamps by slot of the key's hash: moved by every write to a key the cache does not hold (and by every
   * invalidation), read before a store read starts. Slots are shared by keys, so a write may keep an unrelated
   * read from being cached (it is then read again next time), never the other way round.
   */
  private final AtomicLongArray writeStamps = new AtomicLongArray(STAMP_SLOTS);
  static final int STAMP_SLOTS = 1 << 12;
  /** Keys being re-read in the background, so that the event loops sharing this cache re-read each key once. */
  private final java.util.Set<String> refreshing = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Entries live between 7/8 of the TTL and the TTL, at random: keys cached together (a deployment's keys read at
   * start, a preload) would otherwise expire together every TTL, and their background re-reads would all fall in
   * one moment, beyond {@code MAX_BACKGROUND_READS}, sending the rest of their readers to the store at once.
   */
  static final int TTL_JITTER_FRACTION = 8;

  /**
   * While the heap stays too full for writes ({@link #yieldHeap}), the bound is lowered at most this often: evicted
   * entries are only freed by the collections that follow, so the next reading lags behind the last cut.
   */
  static final long YIELD_INTERVAL_NANOS = 1_000_000_000L;
  /** The bound is never lowered below this share of the configured one (1/n). */
  static final int YIELD_FLOOR_FRACTION = 4;
  /**
   * The configured bound comes back once this long has passed without a cut: under a storm of large writes the heap
   * swings above the limit and below the relief level several times a second, and a bound restored at each relief
   * would be refilled (by the writes' own values) before the next.
   */
  static final long RESTORE_AFTER_NANOS = 30_000_000_000L;

  /** Bookkeeping an entry costs besides its body and key: the entry, its entity tag, the key's String, map nodes. */
  static final int ENTRY_OVERHEAD_BYTES = 200;

  /**
   * @param maxEntries most keys held (0 disables caching)
   * @param ttl how long an entry may answer reads (zero: until evicted)
   * @param render the body a GET of a live entry answers with
   */
  public ConfigCache(long maxEntries, Duration ttl, Function<ConfigEntry, byte[]> render, MeterRegistry registry) {
    this(maxEntries, Long.MAX_VALUE, ttl, Duration.ZERO, render, version -> "\"" + version + "\"", registry);
  }

  /**
   * As above, with at most {@code maxBytes} held (bodies, keys and {@link #ENTRY_OVERHEAD_BYTES} per entry), an
   * expired entry kept answering for up to {@code staleIfError} while the store fails, and the entity tag of a
   * version made by {@code etagOf}.
   */
  public ConfigCache(long maxEntries, long maxBytes, Duration ttl, Duration staleIfError,
                     Function<ConfigEntry, byte[]> render, java.util.function.LongFunction<String> etagOf,
                     MeterRegistry registry) {
    this.etagOf = etagOf;
    this.entries = build(maxEntries, maxBytes);
    this.render = render;
    this.ttlNanos = ttl.isZero() ? Long.MAX_VALUE : ttl.toNanos();
    this.refreshNanos = ttl.isZero() ? Long.MAX_VALUE : ttlNanos - ttlNanos / 4;
    this.staleNanos = ttl.isZero() ? 0 : staleIfError.toNanos();
    this.hits = Counter.builder("config.cache.hits").description("GETs answered from the cache").register(registry);
    this.misses = Counter.builder("config.cache.misses").description("GETs that went to the store").register(registry);
    this.stale = Counter.builder("config.cache.stale.answers")
        .description("GETs answered with an expired entry because the store read failed (CACHE_STALE_IF_ERROR)")
        .register(registry);
    Gauge.builder("config.cache.entries", entries, Cache::estimatedSize).description("entries in the cache")
        .register(registry);
    this.configuredMaxWeight = entries.policy().eviction()
        .filter(Policy.Eviction::isWeighted)
        .map(Policy.Eviction::getMaximum).orElse(0L);
    this.heapYields = Counter.builder("config.cache.heap.yields")
        .description("times the cache lowered its byte bound because the heap stayed above MAX_HEAP_FOR_WRITES")
        .register(registry);
    Gauge.builder("config.cache.max.bytes", this, ConfigCache::maxBytes)
        .description("the cache's current byte bound: CACHE_MAX_BYTES, lower while the heap is too full for writes")
        .baseUnit("bytes").register(registry);
    this.refreshFailures = Counter.builder("config.cache.refresh.failures")
        .description("background re-reads of keys in use that failed (the entry then expires at its TTL)")
        .register(registry);
    this.refreshes = Counter.builder("config.cache.refreshes")
        .description("keys in use re-read in the background before their TTL ended (several per store call on DynamoDB)")
        .register(registry);
  }

  /**
   * Both bounds with one Caffeine weight: an entry weighs its bytes, but at least {@code maxBytes / maxEntries}, so
   * the total stays within {@code maxBytes} and the count within {@code maxEntries}. Without a byte bound worth the
   * name (over 1 MiB an entry), only the count. Maintenance (eviction) runs on the writing thread: bounded at once,
   * and no extra thread pool.
   */
  private static Cache<String, CachedEntry> build(long maxEntries, long maxBytes) {
    if (maxEntries == 0 || maxBytes / maxEntries > (1 << 20)) {
      return Caffeine.newBuilder().maximumSize(maxEntries).executor(Runnable::run).build();
    }
    int least = (int) Math.max(1, maxBytes / maxEntries);
    return Caffeine.newBuilder().maximumWeight(maxBytes)
        .weigher((String key, CachedEntry e) -> Math.max(least, weightOf(key, e)))
        .executor(Runnable::run).build();
  }

  /** What an entry costs the heap, about. */
  static int weightOf(String key, CachedEntry e) {
    long bytes = (long) ENTRY_OVERHEAD_BYTES + key.length() + (e.body() == null ? 0 : e.body().length);
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  /**
   * The time an entry stored now is taken to have been stored: now, less a random share of up to
   * 1/{@link #TTL_JITTER_FRACTION} of the TTL (so that it expires that much earlier, never later).
   */
  private long storedNow() {
    long now = System.nanoTime();
    return ttlNanos == Long.MAX_VALUE ? now
        : now - java.util.concurrent.ThreadLocalRandom.current().nextLong(ttlNanos / TTL_JITTER_FRACTION + 1);
  }

  /** The cached state of {@code key}, or {@code null} on a miss (never cached, evicted or expired). */
  public CachedEntry lookup(String key) {
    CachedEntry e = entries.getIfPresent(key);
    if (e == null || !answers(key, e)) {
      misses.increment();
      return null;
    }
    hits.increment();
    return e;
  }

  /**
   * Whether {@code e} may answer a read: within its TTL, or past it while its background re-read is still in
   * progress (for at most {@code staleIfError} past it), so that the readers of a hot key do not all fall through
   * to a slow store in the moment between its expiry and the end of a re-read started before.
   */
  private boolean answers(String key, CachedEntry e) {
    long past = System.nanoTime() - e.storedAtNanos() - ttlNanos;
    return past <= 0 || past <= staleNanos && !refreshing.isEmpty() && refreshing.contains(key);
  }

  /**
   * The cached live entry of {@code key}, counted as a hit; {@code null} (and nothing counted) when the cache
   * does not hold a live entry, so that the caller's slower path counts it.
   */
  public CachedEntry lookupLive(String key) {
    CachedEntry e = entries.getIfPresent(key);
    if (e == null || !e.present() || !answers(key, e)) {
      return null;
    }
    hits.increment();
    return e;
  }

  /**
   * Whether {@code e}, just answered from, is in the last quarter of its TTL, so that the caller should re-read its
   * key from the store in the background (never without a TTL).
   */
  public boolean refreshDue(CachedEntry e) {
    return refreshNanos != Long.MAX_VALUE && System.nanoTime() - e.storedAtNanos() > refreshNanos;
  }

  /**
   * How long a key due for a background re-read may wait for others to be re-read with it in one store call: a
   * fiftieth of the TTL, at most 100 ms; 0 without a TTL. A key is due during the last quarter of its TTL, so the
   * wait is a small part of that (and an entry whose re-read is in progress still answers past its TTL).
   */
  public long refreshGatherMillis() {
    return refreshNanos == Long.MAX_VALUE ? 0 : Math.min(100, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(ttlNanos / 50));
  }

  /**
   * An expired live entry of {@code key} not older than the TTL plus {@code staleIfError}, for a GET whose store
   * read failed; counted as a stale answer. {@code null} when there is none (or no TTL: entries never expire).
   */
  public CachedEntry lookupStale(String key) {
    if (staleNanos <= 0) {
      return null;
    }
    CachedEntry e = entries.getIfPresent(key);
    if (e == null || !e.present() || System.nanoTime() - e.storedAtNanos() - ttlNanos > staleNanos) {
      return null;
    }
    stale.increment();
    return e;
  }

  /**
   * Claims the background re-read of {@code key}: true for the first caller, false while another (on any event
   * loop) is in progress. The caller must call {@link #refreshed} when its read completes.
   */
  public boolean claimRefresh(String key) {
    return refreshing.add(key);
  }

  /** Ends the re-read of {@code key} claimed with {@link #claimRefresh}; {@code failed} counts it as failed. */
  public void refreshed(String key, boolean failed) {
    refreshing.remove(key);
    if (failed) {
      refreshFailures.increment();
    } else {
      refreshes.increment();
    }
  }

  /** How long ago {@code e} expired, in whole seconds (0 while it is fresh). */
  public long secondsPastTtl(CachedEntry e) {
    long past = System.nanoTime() - e.storedAtNanos() - ttlNanos;
    return ttlNanos == Long.MAX_VALUE || past <= 0 ? 0 : java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(past);
  }

  /**
   * The stamp a store read of {@code key} must carry ({@link #applyRead}, {@link #applyAbsent}): taken before the
   * read starts.
   */
  public long readStamp(String key) {
    return writeStamps.get(slot(key));
  }

  /** Whether a store read that started at {@code stamp} began after the last write to {@code key}'s slot. */
  public boolean current(String key, long stamp) {
    return writeStamps.get(slot(key)) == stamp;
  }

  private static int slot(String key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STAMP_SLOTS - 1);
  }

  /**
   * Records what a store read that started now found; see {@link #applyRead}. For callers that read and record
   * in one step (and tests).
   */
  public byte[] apply(ConfigEntry entry) {
    return applyRead(entry, readStamp(entry.key().value()));
  }

  /**
   * Records what a store read found: cached unless the cache holds a newer version, or holds nothing for the key
   * and a write to its slot happened since {@code stamp} was taken (the read may predate it). Returns the entry's
   * rendered body ({@code null} for a deletion), so that the caller answers with the same bytes.
   */
  public byte[] applyRead(ConfigEntry entry, long stamp) {
    byte[] body = entry.deleted() ? null : render.apply(entry);
    offer(entry.key().value(), entry.version(), body, stamp);
    return body;
  }

  /**
   * Records a write made by this instance: updates the key's entry if the cache holds one, else leaves the key to
   * its next read. Returns the entry's rendered body ({@code null} for a deletion) for the write's answer.
   */
  public byte[] applyWrite(ConfigEntry entry) {
    byte[] body = entry.deleted() ? null : render.apply(entry);
    written(entry.key().value(), entry.version(), () -> body);
    return body;
  }

  /**
   * Records a change event: nothing to do (not even rendering) when the cache already holds this version or a
   * newer one, as it does for every change this instance made itself to a key it holds.
   */
  public void applyChange(ConfigEntry entry) {
    String key = entry.key().value();
    CachedEntry held = entries.getIfPresent(key);
    if (held == null || held.version() < entry.version()) {
      written(key, entry.version(), () -> entry.deleted() ? null : render.apply(entry));
    }
  }

  /** Records that a store read found {@code key} absent, as of version {@code latestVersion} (0 if never written). */
  public void applyAbsent(ConfigKey key, long latestVersion) {
    applyAbsent(key, latestVersion, readStamp(key.value()));
  }

  /** As above, for a read that started at {@code stamp} ({@link #applyRead}). */
  public void applyAbsent(ConfigKey key, long latestVersion, long stamp) {
    offer(key.value(), latestVersion, null, stamp);
  }

  /** Forgets {@code key}, e.g. after a write whose outcome is unknown. */
  public void invalidate(String key) {
    writeStamps.incrementAndGet(slot(key));
    entries.invalidate(key);
  }

  public long size() {
    return entries.estimatedSize();
  }

  /** The current byte bound (0 when the cache is bounded by entries only). */
  public long maxBytes() {
    return configuredMaxWeight == 0 ? 0
        : entries.policy().eviction().map(Policy.Eviction::getMaximum).orElse(0L);
  }

  /**
   * Gives heap back to writes: called after each collection that left the heap above {@code MAX_HEAP_FOR_WRITES}.
   * Lowers the byte bound to three quarters of what the cache holds (at most once per {@link
   * #YIELD_INTERVAL_NANOS}, never below 1/{@link #YIELD_FLOOR_FRACTION} of the configured bound), evicting the
   * least valuable entries at once. A full cache of small values otherwise keeps the heap so full that the heap
   * guard refuses nearly every write; evicted keys are read from the store again when asked for. Returns whether
   * it lowered the bound.
   */
  public boolean yieldHeap() {
    long now = System.nanoTime();
    if (configuredMaxWeight == 0 || now - lastYieldNanos < yieldIntervalNanos) {
      return false;
    }
    Policy.Eviction<String, CachedEntry> eviction = entries.policy().eviction().orElseThrow();
    long held = eviction.weightedSize().orElse(eviction.getMaximum());
    long target = Math.max(configuredMaxWeight / YIELD_FLOOR_FRACTION, Math.min(eviction.getMaximum(), held) / 4 * 3);
    if (target >= eviction.getMaximum()) {
      return false;
    }
    lastYieldNanos = now;
    lowered = true;
    eviction.setMaximum(target);
    heapYields.increment();
    return true;
  }

  /** Tests shorten the interval between two cuts and the calm before the bound comes back. */
  void yieldTiming(Duration interval, Duration restoreAfter) {
    this.yieldIntervalNanos = interval.toNanos();
    this.restoreAfterNanos = restoreAfter.toNanos();
    this.lastYieldNanos = System.nanoTime() - yieldIntervalNanos;
  }

  /**
   * Puts the configured byte bound back when the heap has had room for {@link #RESTORE_AFTER_NANOS} since the last
   * cut (called after collections that leave the heap with room); the cache refills as keys are read. Returns
   * whether it did.
   */
  public boolean restoreHeapIfCalm() {
    if (!lowered || System.nanoTime() - lastYieldNanos < restoreAfterNanos) {
      return false;
    }
    lowered = false;
    entries.policy().eviction().ifPresent(e -> e.setMaximum(configuredMaxWeight));
    return true;
  }

  /**
   * A write's version of {@code key}: the stamp moves first, then a held entry is updated. A read that checked the
   * stamp before it moved may still be inserting the older version it saw, unseen by {@code computeIfPresent}
   * (Caffeine answers it without the key's lock when it finds no entry); that read checks the stamp again after its
   * insert and takes the entry back ({@link #offer}).
   */
  private void written(String key, long version, java.util.function.Supplier<byte[]> body) {
    writeStamps.incrementAndGet(slot(key));
    long now = storedNow();
    entries.asMap().computeIfPresent(key, (k, old) -> version < old.version() ? old
        : newer(old, version, version == old.version() ? null : body.get(), now));
  }

  /**
   * A store read's answer: merged into a held entry, or inserted while no write to the key's slot has come in since
   * the read started. Checked again after an insert: a write that moved the stamp meanwhile may have looked for the
   * entry before it was there ({@link #written}), so the insert is taken back ({@code
   * aReadRacingAWriteNeverLeavesTheOlderVersionCached} fails without this).
   */
  private void offer(String key, long version, byte[] body, long stamp) {
    long now = storedNow();
    CachedEntry fresh = new CachedEntry(version, body, etagOf.apply(version), now);
    CachedEntry held = entries.asMap().compute(key, (k, old) -> old != null ? newer(old, version, body, now)
        : current(k, stamp) ? fresh : null);
    if (held == fresh && !current(key, stamp)) {
      entries.asMap().remove(key, fresh);
    }
  }

  /** What the cache holds after learning {@code version} of a key it holds as {@code old}: never an older one. */
  private CachedEntry newer(CachedEntry old, long version, byte[] body, long now) {
    if (version > old.version()) {
      return new CachedEntry(version, body, etagOf.apply(version), now);
    }
    if (version == old.version()) {
      // Same version: refresh the age (a store read confirmed it) but keep what we have.
      return new CachedEntry(old.version(), old.body(), old.etag(), now);
    }
    return old;
  }
}
