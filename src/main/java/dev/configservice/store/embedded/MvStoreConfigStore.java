package dev.configservice.store.embedded;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.ConfigNotFoundException;
import dev.configservice.domain.ConfigStore;
import dev.configservice.domain.InvalidCursorException;
import dev.configservice.domain.Page;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.PreconditionFailedException;
import dev.configservice.domain.PutResult;
import dev.configservice.domain.StoreUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable embedded store: H2 MVStore files in a data directory, behind a write-ahead log.
 *
 * <p>All writes go through one writer thread that applies a batch of queued writes to the in-memory maps,
 * appends their records to the log ({@link WriteAheadLog}), forces the log and only then acknowledges them
 * (group commit): a write is acknowledged only after it is on disk, and the writes that arrive during one fsync
 * share the next (an fsync of a few hundred bytes per write into a preallocated file). A checkpointer thread commits the MVStore to its file in the background (after four log
 * segments, when the changed pages reach their memory budget, or every checkpoint interval) and then recycles the log segments the commit covers, so the costly page
 * serialization of a commit is paid once per checkpoint instead of once per write. On start the log is replayed
 * over the last checkpoint. Reads run on a small worker pool, never on an event loop, since a page may have to
 * come from disk.
 */
public final class MvStoreConfigStore implements ConfigStore {

  private static final Logger LOG = LoggerFactory.getLogger(MvStoreConfigStore.class);
  private static final String FILE_NAME = "config.mv.db";
  private static final String LOG_DIR = "wal";
  private static final String WAL_FROM = "walFrom";
  /**
   * A map that earlier versions kept beside the history, with the newest version of each key: writing it cost a
   * second B-tree update per write (round 9 in docs/performance.md), so it is removed when found.
   */
  private static final String FORMER_HEADS = "current";
  private static final int MAX_BATCH = 512;
  /** Log bytes after which a batch takes no more writes (the rest are carried to the next batch). */
  static final int LOG_BATCH_BYTES = 1024 * 1024;
  private static final long IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);
  /**
   * Log segments filled since the last checkpoint after which the writer checkpoints (16 MiB of log with 4 MiB
   * segments), unless the unsaved pages reach their budget ({@link UnsavedBudget}) first. This bounds the log a
   * restart after a crash replays.
   */
  static final int CHECKPOINT_SEGMENTS = 4;
  /** MAX_HEAP_FOR_WRITES's default, for callers that do not say. */
  static final int DEFAULT_HEAP_LIMIT_PERCENT = 85;
  /** A checkpointer request that only prepares a spare log segment (after a rotation that did not checkpoint). */
  private static final long SPARE_ONLY = -2;

  private final Vertx vertx;
  private final MVStore store;
  /** Every kept version of every key, the newest being the key's head (see {@link EntryCodec#historyKey}). */
  private final MVMap<String, byte[]> history;
  private final MVMap<String, Long> meta;
  private final int maxVersions;
  /** History beyond MAX_VERSIONS is removed when a key's version reaches a multiple of this. */
  static final int PRUNE_BATCH = 16;
  /** Heads the writer keeps of the keys it wrote last (a few hundred KiB). */
  private static final int RECENT_HEADS = 4096;
  private final Clock clock;
  private final boolean fsync;
  private final long checkpointIntervalNanos;
  private final LongSupplier unsavedBudget;
  private final WorkerExecutor readers;
  private final HandOff<Write<?>> writes = new HandOff<>();
  private final BlockingQueue<Checkpoint> checkpoints = new LinkedBlockingQueue<>();
  private final Promise<Void> closed = Promise.promise();
  private final Thread writer;
  private final Thread checkpointer;
  private WriteAheadLog log;
  // Writer-thread state.
  /**
   * The heads of recently written keys, so that a write to a hot key does not search the history map for the
   * head it builds on. Only the writer thread (and recovery, before it starts) writes heads, so this copy is
   * always the map's.
   */
  private final Map<String, byte[]> recentHeads = new LinkedHashMap<>(RECENT_HEADS * 4 / 3 + 1, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
      return size() > RECENT_HEADS;
    }
  };
  private ByteBuffer logBatch = ByteBuffer.allocate(256 * 1024);
  /** Writes taken from the hand-off but left for the next batch (LOG_BATCH_BYTES); writer thread only. */
  private final List<Write<?>> carried = new ArrayList<>();
  private long batchSeq;
  private long checkpointedSeq;
  /** The log segment the last checkpoint's replay starts from (writer thread). */
  private long checkpointFrom;
  /** The last checkpoint the checkpointer finished (its {@code from}); set by the checkpointer. */
  private volatile long checkpointDone;
  private long lastCheckpoint = System.nanoTime();
  private volatile boolean closing;
  private volatile boolean broken;

  private MvStoreConfigStore(Vertx vertx, MVStore store, int maxVersions, Clock clock, boolean fsync,
                             Duration checkpointInterval, LongSupplier unsavedBudget) {
    this.vertx = vertx;
    this.store = store;
    if (store.hasMap(FORMER_HEADS)) {
      // Files written before the heads were read from the history map held a copy of each head there.
      store.removeMap(FORMER_HEADS);
    }
    this.history = store.openMap("history", new MVMap.Builder<String, byte[]>()
        .keyType(StringDataType.INSTANCE).valueType(ByteArrayDataType.INSTANCE));
    this.meta = store.openMap("meta");
    this.maxVersions = maxVersions;
    this.clock = clock;
    this.fsync = fsync;
    this.checkpointIntervalNanos = checkpointInterval.toNanos();
    this.unsavedBudget = unsavedBudget;
    this.readers = vertx.createSharedWorkerExecutor("mvstore-reader", Math.max(2, Runtime.getRuntime().availableProcessors()));
    this.writer = new Thread(this::writeLoop, "mvstore-writer");
    this.checkpointer = new Thread(this::checkpointLoop, "mvstore-checkpointer");
    for (Thread t : List.of(writer, checkpointer)) {
      t.setDaemon(true);
    }
  }

  /** Opens (or creates) the store in {@code dataDir}, off the event loop. */
  public static Future<MvStoreConfigStore> open(Vertx vertx, Path dataDir, int maxVersions, Clock clock) {
    return open(vertx, dataDir, maxVersions, clock, true);
  }

  /**
   * Opens the store; with {@code fsync} false a write is acknowledged once its log record reaches the operating
   * system (it survives a crash or kill -9 of this process, not a crash of the machine).
   */
  public static Future<MvStoreConfigStore> open(Vertx vertx, Path dataDir, int maxVersions, Clock clock,
                                                boolean fsync) {
    return open(vertx, dataDir, maxVersions, clock, fsync, DEFAULT_HEAP_LIMIT_PERCENT);
  }

  /**
   * Opens the store, keeping the pages it holds between checkpoints within the heap's headroom below
   * {@code heapLimitPercent} of the maximum heap (MAX_HEAP_FOR_WRITES; 0 when it is off), see {@link UnsavedBudget}.
   */
  public static Future<MvStoreConfigStore> open(Vertx vertx, Path dataDir, int maxVersions, Clock clock,
                                                boolean fsync, int heapLimitPercent) {
    return open(vertx, dataDir, maxVersions, clock, fsync, WriteAheadLog.DEFAULT_SEGMENT_BYTES,
        DEFAULT_CHECKPOINT_INTERVAL, new UnsavedBudget(heapLimitPercent));
  }

  /** Opens the store with a given log segment size and checkpoint interval (tests use small ones). */
  static Future<MvStoreConfigStore> open(Vertx vertx, Path dataDir, int maxVersions, Clock clock, boolean fsync,
                                         int segmentBytes, Duration checkpointInterval) {
    return open(vertx, dataDir, maxVersions, clock, fsync, segmentBytes, checkpointInterval,
        new UnsavedBudget(DEFAULT_HEAP_LIMIT_PERCENT));
  }

  /** Opens the store with a given budget of unsaved page memory too (bytes; asked on the writer thread). */
  static Future<MvStoreConfigStore> open(Vertx vertx, Path dataDir, int maxVersions, Clock clock, boolean fsync,
                                         int segmentBytes, Duration checkpointInterval, LongSupplier unsavedBudget) {
    if (maxVersions < 1) {
      return Future.failedFuture(new IllegalArgumentException("maxVersions must be >= 1"));
    }
    return vertx.executeBlocking(() -> {
      Files.createDirectories(dataDir);
      // Reads are served from the service's own cache first; a small page cache leaves the heap to that one.
      SlicedFileStore file = new SlicedFileStore(new HashMap<>(Map.of("cacheSize", 4)));
      file.open(dataDir.resolve(FILE_NAME).toString(), false, (char[]) null);
      MVStore store = new MVStore.Builder()
          .adoptFileStore(file)
          .autoCommitDisabled()
          // No commit from a writing thread when unsaved changes pile up: the checkpointer is the only committer,
          // so the writer never stalls on page serialization (the log makes the changes durable meanwhile).
          .autoCommitBufferSize(0)
          // Pages of 16 entries, not 48: a hot key's newest history page is copied on every write and rewritten
          // by every checkpoint, and with 48 entries a checkpoint of 1,000 hot keys outgrew MVStore's pooled
          // 4 MB write buffer, so each one grew a new buffer through G1's humongous regions and started a
          // concurrent cycle (27 in 30 s of POST; 14 with 16 entries; 2.6-7.6 us less CPU per POST, A/B).
          .keysPerPage(16)
          .open();
      try {
        MvStoreConfigStore opened = new MvStoreConfigStore(vertx, store, maxVersions, clock, fsync, checkpointInterval,
            unsavedBudget);
        opened.recover(dataDir.resolve(LOG_DIR), segmentBytes);
        return opened;
      } catch (Exception | Error e) {
        store.closeImmediately();
        throw e;
      }
    }, false);
  }

  /**
   * Replays the log over the last checkpoint, checkpoints the result, and starts a fresh log and the threads.
   */
  private void recover(Path logDir, int segmentBytes) throws IOException {
    long start = System.nanoTime();
    long from = meta.getOrDefault(WAL_FROM, 0L);
    long[] replayed = new long[1];
    long next = WriteAheadLog.replay(logDir, from, record -> {
      replay(record);
      replayed[0]++;
    });
    meta.put(WAL_FROM, next);
    store.commit();
    store.sync();
    log = WriteAheadLog.start(logDir, next, segmentBytes);
    log.prepareSpare();
    checkpointFrom = log.activeId();
    checkpointDone = checkpointFrom;
    if (replayed[0] > 0) {
      LOG.info("embedded store replayed {} log records in {} ms", replayed[0], (System.nanoTime() - start) / 1_000_000);
    }
    writer.start();
    checkpointer.start();
  }

  @Override
  public Future<Optional<ConfigEntry>> get(ConfigKey key) {
    return read(() -> {
      byte[] newest = newest(key.value());
      if (newest == null || EntryCodec.isTombstone(newest)) {
        return Optional.empty();
      }
      return Optional.of(EntryCodec.decode(key, newest));
    });
  }

  @Override
  public Future<Optional<ConfigEntry>> getVersion(ConfigKey key, long version) {
    return read(() -> {
      if (version < oldestKept(key)) {
        return Optional.empty(); // beyond MAX_VERSIONS, even if a batched prune has not removed it yet
      }
      return Optional.ofNullable(history.get(EntryCodec.historyKey(key.value(), version)))
          .map(stored -> EntryCodec.decode(key, stored));
    });
  }

  /** The lowest version reads may show: the head's version less MAX_VERSIONS, whatever is still stored. */
  private long oldestKept(ConfigKey key) {
    byte[] newest = newest(key.value());
    return newest == null ? 0 : EntryCodec.versionOf(newest) - maxVersions + 1;
  }

  @Override
  public Future<PutResult> put(ConfigKey key, String valueJson, Precondition precondition) {
    return write(() -> {
      byte[] before = head(key.value());
      long latest = before == null ? 0 : EntryCodec.versionOf(before);
      long live = before == null || EntryCodec.isTombstone(before) ? 0 : latest;
      if (!precondition.allows(live)) {
        throw new PreconditionFailedException(key, precondition, live);
      }
      ConfigEntry entry = ConfigEntry.value(key, latest + 1, valueJson, clock.instant());
      record(entry, before);
      return new PutResult(entry, live == 0);
    });
  }

  @Override
  public Future<ConfigEntry> delete(ConfigKey key, Precondition precondition) {
    return write(() -> {
      byte[] before = head(key.value());
      long latest = before == null ? 0 : EntryCodec.versionOf(before);
      long live = before == null || EntryCodec.isTombstone(before) ? 0 : latest;
      if (live == 0 && (precondition == Precondition.NONE || precondition == Precondition.ABSENT)) {
        throw new ConfigNotFoundException(key);
      }
      if (!precondition.allows(live)) {
        throw new PreconditionFailedException(key, precondition, live);
      }
      ConfigEntry tombstone = ConfigEntry.tombstone(key, latest + 1, clock.instant());
      record(tombstone, before);
      return tombstone;
    });
  }

  @Override
  public Future<Page<ConfigEntry>> list(String prefix, int limit, String cursor) {
    return read(() -> {
      String after = cursor == null ? null : decodeCursor(cursor, prefix);
      // History keys sort like the keys they start with (see EntryCodec.historyKey); from one key the next is
      // found by skipping past all of its versions, so a listing reads two entries per key, whatever its history.
      String from = after == null ? prefix : EntryCodec.pastVersions(after);
      List<ConfigEntry> items = new ArrayList<>(Math.min(limit, 128));
      String last = null;
      boolean more = false;
      String h;
      while ((h = history.ceilingKey(from)) != null && h.startsWith(prefix)) {
        String k = EntryCodec.keyOfHistoryKey(h);
        from = EntryCodec.pastVersions(k);
        byte[] newest = newest(k);
        if (newest == null || EntryCodec.isTombstone(newest)) {
          continue;
        }
        if (items.size() == limit) {
          more = true;
          break;
        }
        items.add(EntryCodec.decode(new ConfigKey(k), newest));
        last = k;
      }
      return new Page<>(items, more ? encodeCursor(prefix, last) : null);
    });
  }

  @Override
  public Future<Page<ConfigEntry>> history(ConfigKey key, int limit, String cursor) {
    return read(() -> {
      long before = cursor == null ? Long.MAX_VALUE : decodeVersionCursor(cursor);
      List<ConfigEntry> items = new ArrayList<>(Math.min(limit, 128));
      // Walk down from just below 'before' to the lowest version kept (older ones may await a batched prune).
      String low = EntryCodec.historyKey(key.value(), Math.max(0, oldestKept(key) - 1));
      String k = history.lowerKey(EntryCodec.historyKey(key.value(), before));
      while (k != null && k.compareTo(low) > 0 && items.size() < limit) {
        items.add(EntryCodec.decode(key, history.get(k)));
        k = history.lowerKey(k);
      }
      boolean more = k != null && k.compareTo(low) > 0 && !items.isEmpty();
      String next = more ? Long.toString(items.get(items.size() - 1).version()) : null;
      return new Page<>(items, next);
    });
  }

  @Override
  public Future<Void> ping() {
    if (closing) {
      return Future.failedFuture(new StoreUnavailableException("the embedded store is closed", Duration.ofSeconds(1)));
    }
    if (store.isClosed()) {
      return Future.failedFuture(closedByFailure());
    }
    if (broken) {
      return Future.failedFuture(new StoreUnavailableException("the embedded store failed to write or force its log; "
          + "restart the service after checking the disk", Duration.ofSeconds(30)));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    closing = true;
    writes.offer(new Write<>(() -> null, null, null));
    return closed.future().compose(v -> vertx.executeBlocking(() -> {
      writer.join(TimeUnit.SECONDS.toMillis(30));
      checkpoints.add(new Checkpoint(-1));
      checkpointer.join(TimeUnit.SECONDS.toMillis(60));
      // A last checkpoint covers the whole log, so the next start has nothing to replay.
      if (broken) {
        store.closeImmediately(); // the log, not the maps, says what was acknowledged
      } else {
        meta.put(WAL_FROM, log.activeId() + 1);
        store.close();
      }
      log.close();
      if (!broken) {
        log.retire(Long.MAX_VALUE);
      }
      readers.close();
      LOG.info("embedded store closed");
      return null;
    }, false));
  }

  /**
   * The newest stored version of {@code k} (a value or a tombstone), or null if the key was never written: one
   * descent of the history map, from the highest version a key can have down to the first one stored.
   */
  private byte[] newest(String k) {
    Cursor<String, byte[]> versions = history.cursor(EntryCodec.historyKey(k, Long.MAX_VALUE), null, true);
    if (!versions.hasNext()) {
      return null;
    }
    String h = versions.next();
    return EntryCodec.isHistoryKeyOf(h, k) ? versions.getValue() : null;
  }

  /** Applies an entry over the key's current head {@code before} and adds it to the batch's log records. */
  private void record(ConfigEntry entry, byte[] before) {
    byte[] encoded = EntryCodec.encode(entry);
    String k = entry.key().value();
    byte[] key = k.getBytes(StandardCharsets.UTF_8);
    int payload = 4 + key.length + encoded.length;
    ensureLogRoom(WriteAheadLog.RECORD_HEADER + payload);
    int mark = logBatch.position();
    WriteAheadLog.frame(logBatch, payload);
    logBatch.putInt(key.length).put(key).put(encoded);
    try {
      apply(k, encoded, before);
    } catch (RuntimeException e) {
      logBatch.position(mark); // a write that fails is not logged either: replay must not bring it back
      throw e;
    }
  }

  /** Replays one log record (at start, before the writer runs). */
  private void replay(ByteBuffer record) {
    byte[] key = new byte[record.getInt()];
    record.get(key);
    byte[] encoded = new byte[record.remaining()];
    record.get(encoded);
    String k = new String(key, StandardCharsets.UTF_8);
    apply(k, encoded, head(k));
  }

  /**
   * Applies an entry to the history map (whose newest item for a key is the key's head) and prunes history
   * beyond the cap. Idempotent, and never moves a head backwards, so that replaying a log record the MVStore
   * file already holds (or holds a later version of) changes nothing.
   */
  private void apply(String k, byte[] encoded, byte[] before) {
    long version = EntryCodec.versionOf(encoded);
    long headVersion = before == null ? 0 : EntryCodec.versionOf(before);
    if (version > headVersion) {
      recentHeads.put(k, EntryCodec.head(encoded));
    }
    long oldestKept = Math.max(version, headVersion) - maxVersions + 1;
    if (version >= oldestKept) {
      history.put(EntryCodec.historyKey(k, version), encoded);
    }
    // Prune in batches, on every PRUNE_BATCH-th version of a key, not on each write: a prune walks and rewrites
    // the key's oldest history page, which most writes would otherwise dirty for one item. Reads hide the
    // versions that wait (see oldestKept(ConfigKey)); a key holds at most PRUNE_BATCH - 1 extra versions.
    if (oldestKept > 1 && version % PRUNE_BATCH == 0) {
      // Versions below oldestKept go: one walk up through this key's oldest versions collects them (a lowerKey
      // per version searched the tree from its root each time), then they are removed.
      String end = EntryCodec.historyKey(k, oldestKept);
      List<String> old = new ArrayList<>(PRUNE_BATCH);
      Iterator<String> keys = history.keyIterator(EntryCodec.historyKey(k, 1));
      while (keys.hasNext()) {
        String h = keys.next();
        if (h.compareTo(end) >= 0) {
          break;
        }
        old.add(h);
      }
      for (String h : old) {
        history.remove(h);
      }
    }
  }

  /**
   * The current head of {@code k} (its flag and version at least), from the writer's recent heads or the history
   * map (writer thread only).
   */
  private byte[] head(String k) {
    byte[] head = recentHeads.get(k);
    return head != null ? head : newest(k);
  }

  private void ensureLogRoom(int bytes) {
    if (logBatch.remaining() < bytes) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(logBatch.capacity() * 2, logBatch.position() + bytes));
      logBatch.flip();
      bigger.put(logBatch);
      logBatch = bigger;
    }
  }

  private <T> Future<T> read(java.util.concurrent.Callable<T> action) {
    if (closing) {
      return Future.failedFuture(new StoreUnavailableException("the embedded store is shutting down", Duration.ofSeconds(1)));
    }
    return readers.executeBlocking(() -> {
      try {
        return action.call();
      } catch (MVStoreException e) {
        throw store.isClosed() ? closedByFailure() : e;
      }
    }, false);
  }

  /**
   * MVStore closes itself when a commit fails (e.g. it could not allocate the buffer for a chunk): from then on
   * every write and read answers 503 and readiness fails until a restart, which replays the log (nothing
   * acknowledged is lost: the log, not the MVStore file, is what a write waits for).
   */
  private StoreUnavailableException closedByFailure() {
    broken = true;
    return new StoreUnavailableException("the embedded store closed itself after a failure (see the log); "
        + "restart the service to recover it from its write-ahead log", Duration.ofSeconds(30));
  }

  private <T> Future<T> write(Supplier<T> mutation) {
    if (broken) {
      return ping().mapEmpty();
    }
    if (closing) {
      return Future.failedFuture(new StoreUnavailableException("the embedded store is shutting down", Duration.ofSeconds(1)));
    }
    Context context = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    writes.offer(new Write<>(mutation, promise, context));
    return promise.future();
  }

  private void writeLoop() {
    List<Write<?>> batch = new ArrayList<>(MAX_BATCH);
    while (writeNext(batch)) {
      // The work is in writeNext, a method the JIT compiles whole: compiled as part of this endless loop (an
      // on-stack replacement), the writer's hot path was thrown away and recompiled several times a minute.
    }
  }

  /** Takes, applies, forces and answers the next batch of writes (or checkpoints when idle); false to stop. */
  private boolean writeNext(List<Write<?>> batch) {
    if (!carried.isEmpty()) {
      batch.addAll(carried);
      carried.clear();
    } else if (writes.drain(batch, MAX_BATCH, IDLE_WAIT_NANOS) == 0) {
      if (Thread.currentThread().isInterrupted()) {
        return false;
      }
      checkpointIfDue(false);
      return true;
    }
    Batch done = applyBatch(batch); // may leave the writes past LOG_BATCH_BYTES in 'carried' for the next batch
    boolean close = false;
    for (Completion c : done.writes()) {
      close |= c.write().promise == null;
    }
    batch.clear();
    acknowledge(done);
    if (close) {
      refuseLateWrites();
      return false;
    }
    checkpointIfDue(done.rotated());
    return true;
  }

  /** Answers writes that raced past the closing check and arrived after the close request: they were not applied. */
  private void refuseLateWrites() {
    List<Write<?>> late = new ArrayList<>();
    writes.drain(late, Integer.MAX_VALUE, 0);
    for (Write<?> w : late) {
      if (w.promise != null) {
        w.context.runOnContext(v -> w.finish(null,
            new StoreUnavailableException("the embedded store is shutting down", Duration.ofSeconds(1))));
      }
    }
  }

  /**
   * Applies one batch to the maps and appends its log records (written, not yet forced) and returns what each
   * write answers once the log is forced.
   */
  private Batch applyBatch(List<Write<?>> batch) {
    Object[] results = new Object[batch.size()];
    RuntimeException[] failures = new RuntimeException[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      if (i > 0 && logBatch.position() >= LOG_BATCH_BYTES) {
        // Large values: the rest waits for the next batch, so that one batch's log records (and the writes'
        // copies of their values) stay around a megabyte instead of MAX_BATCH times the largest value.
        List<Write<?>> rest = batch.subList(i, batch.size());
        carried.addAll(rest);
        rest.clear();
        break;
      }
      Write<?> w = batch.get(i);
      if (w.promise == null) {
        continue;
      }
      if (store.isClosed()) {
        failures[i] = closedByFailure();
        continue;
      }
      try {
        results[i] = w.mutation.get();
      } catch (MVStoreException e) {
        failures[i] = store.isClosed() ? closedByFailure() : e;
      } catch (RuntimeException e) {
        failures[i] = e;
      }
    }
    List<WriteAheadLog.Segment> touched = List.of();
    long segmentBefore = log.activeId();
    if (logBatch.position() > 0) {
      logBatch.flip();
      try {
        touched = log.append(logBatch);
      } catch (IOException | RuntimeException e) {
        // The writes are applied in memory but may not be in the log: refuse everything until a restart
        // (which recovers the log as far as it was written).
        LOG.error("writing {} records to the embedded store's log failed; refusing further writes", batch.size(), e);
        broken = true;
        StoreUnavailableException failure =
            new StoreUnavailableException("the embedded store could not write its log", Duration.ofSeconds(30), e);
        for (int i = 0; i < batch.size(); i++) {
          if (failures[i] == null) {
            failures[i] = failure;
          }
        }
      } finally {
        logBatch.clear();
        if (logBatch.capacity() > 2 * LOG_BATCH_BYTES) {
          logBatch = ByteBuffer.allocate(256 * 1024); // grown for one very large record: do not keep it
        }
      }
    }
    List<Completion> done = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      done.add(new Completion(batch.get(i), results[i], failures[i]));
    }
    return new Batch(++batchSeq, done, touched, log.activeId() != segmentBefore);
  }

  /**
   * Starts a checkpoint when {@link #CHECKPOINT_SEGMENTS} log segments filled since the last one, when the unsaved
   * pages reached their budget, or when the last one is older than the checkpoint interval: marks in the MVStore
   * which segment replay must start from and hands the commit to the checkpointer, which recycles the segments
   * before the mark once that commit is on disk. A rotation that does not checkpoint asks the checkpointer for a
   * spare segment instead, so that the next rotation finds one ready.
   */
  private void checkpointIfDue(boolean rotated) {
    if (broken) {
      return;
    }
    // The unsaved pages stay counted until the checkpointer has committed them: while it works, they are not a
    // reason for another checkpoint (each would force a rotation, and they would queue up).
    boolean due = log.activeId() - checkpointFrom >= CHECKPOINT_SEGMENTS
        || batchSeq > checkpointedSeq && (System.nanoTime() - lastCheckpoint > checkpointIntervalNanos
            || checkpointDone == checkpointFrom && store.getUnsavedMemory() >= unsavedBudget.getAsLong());
    if (!due) {
      if (rotated) {
        checkpoints.add(new Checkpoint(SPARE_ONLY));
      }
      return;
    }
    try {
      if (!rotated) {
        log.rotate();
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not move the embedded store's log to a new segment; will retry", e);
      return;
    }
    long from = log.activeId();
    try {
      meta.put(WAL_FROM, from);
    } catch (MVStoreException e) {
      if (store.isClosed()) {
        closedByFailure(); // the checkpointer has said why
        return;
      }
      throw e;
    }
    lastCheckpoint = System.nanoTime();
    checkpointedSeq = batchSeq;
    checkpointFrom = from;
    checkpoints.add(new Checkpoint(from));
  }

  /** Commits the MVStore in the background, forces it, and recycles the log segments it now covers. */
  private void checkpointLoop() {
    while (true) {
      Checkpoint c;
      try {
        c = checkpoints.take();
        if (c.from() == SPARE_ONLY) {
          prepareSpare();
          continue;
        }
        if (c.from() < 0) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        long start = System.nanoTime();
        store.commit();
        store.sync();
        log.retire(c.from());
        checkpointDone = c.from();
        log.prepareSpare();
        LOG.debug("checkpoint up to log segment {} in {} ms", c.from(), (System.nanoTime() - start) / 1_000_000);
        maintain();
      } catch (IOException | RuntimeException e) {
        if (store.isClosed()) {
          closedByFailure();
          LOG.error("checkpoint of the embedded store failed and the store closed itself; refusing reads and writes "
              + "until a restart, which replays the log", e);
          return;
        }
        LOG.error("checkpoint of the embedded store failed; the log keeps the writes, will retry", e);
      }
    }
  }

  /**
   * Forces the log segments a batch wrote, then answers its writes (grouped per event loop). Meanwhile the next
   * writes queue up and form the next batch: one fsync covers everything that arrived during the previous one.
   */
  private void acknowledge(Batch batch) {
    RuntimeException syncFailure = null;
    try {
      if (fsync) {
        for (WriteAheadLog.Segment s : batch.touched()) {
          WriteAheadLog.force(s);
        }
      }
    } catch (IOException | RuntimeException e) {
      // The data may or may not be on disk, and later batches build on it: stop taking writes.
      LOG.error("fsync of the embedded store's log failed; refusing further writes", e);
      broken = true;
      syncFailure = new StoreUnavailableException("the embedded store could not force its log to disk",
          Duration.ofSeconds(30), e);
    }
    boolean stop = false;
    Map<Context, List<Completion>> byContext = new IdentityHashMap<>();
    for (Completion c : batch.writes()) {
      if (c.write().promise == null) {
        stop = true;
        continue;
      }
      Completion answer = syncFailure != null && c.failure() == null
          ? new Completion(c.write(), null, syncFailure) : c;
      byContext.computeIfAbsent(c.write().context, k -> new ArrayList<>()).add(answer);
    }
    // One task per event loop for the whole group, rather than one wake-up per write.
    byContext.forEach((context, answers) -> context.runOnContext(v -> {
      for (Completion c : answers) {
        c.write().finish(c.result(), c.failure());
      }
    }));
    if (stop) {
      closed.complete();
    }
  }

  private void prepareSpare() {
    try {
      log.prepareSpare();
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not prepare a spare log segment; the writer will make its own", e);
    }
  }

  /** Rewrites sparse chunks so the file does not grow without bound under updates. */
  private void maintain() {
    try {
      if (store.getFillRate() < 50 && store.compact(50, 16 * 1024 * 1024)) {
        store.commit();
        store.sync();
      }
    } catch (RuntimeException e) {
      LOG.warn("embedded store compaction failed; will retry later", e);
    }
  }

  private static String encodeCursor(String prefix, String lastKey) {
    String raw = prefix.length() + ":" + prefix + lastKey;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the last key of the previous page; the cursor must have been made for the same prefix. */
  private static String decodeCursor(String cursor, String prefix) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      int colon = raw.indexOf(':');
      int prefixLength = Integer.parseInt(raw.substring(0, colon));
      String cursorPrefix = raw.substring(colon + 1, colon + 1 + prefixLength);
      String lastKey = raw.substring(colon + 1 + prefixLength);
      if (!cursorPrefix.equals(prefix) || !lastKey.startsWith(prefix) || ConfigKey.problemWith(lastKey) != null) {
        throw new InvalidCursorException("cursor was made for another listing");
      }
      return lastKey;
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new InvalidCursorException("cursor is not one this service made");
    }
  }

  private static long decodeVersionCursor(String cursor) {
    try {
      long v = Long.parseLong(cursor);
      if (v < 1) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new InvalidCursorException("cursor is not one this service made");
    }
  }

  /** What one write answers once its batch's log records are on disk. */
  private record Completion(Write<?> write, Object result, RuntimeException failure) {
  }

  /** A queued write; finished on the caller's context so callbacks run where the caller expects them. */
  private static class Write<T> {
    final Supplier<T> mutation;
    final Promise<T> promise;
    final Context context;

    Write(Supplier<T> mutation, Promise<T> promise, Context context) {
      this.mutation = mutation;
      this.promise = promise;
      this.context = context;
    }

    /** Completes the promise; called on the caller's context. */
    @SuppressWarnings("unchecked")
    void finish(Object result, RuntimeException failure) {
      if (failure != null) {
        promise.fail(failure);
      } else {
        promise.complete((T) result);
      }
    }
  }

  /** One applied batch: what each write answers, and the log segments to force before answering. */
  private record Batch(long seq, List<Completion> writes, List<WriteAheadLog.Segment> touched, boolean rotated) {
  }

  /**
   * A checkpoint request: replay starts at segment {@code from}. The writer makes it after forcing and answering
   * every batch before it, and never writes to a segment below {@code from} again.
   */
  private record Checkpoint(long from) {
  }

}
