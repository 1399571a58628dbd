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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable embedded store: H2 MVStore files in a data directory.
 *
 * <p>All writes go through one writer thread that applies a batch of queued writes and commits it to the
 * file; a syncer thread forces committed batches to disk and only then acknowledges them (group commit): a
 * write is acknowledged only after it is on disk, a burst of concurrent writes shares one fsync, and the
 * next batch is applied while the previous one is being forced. Reads run on
 * a small worker pool, never on an event loop, since a page may have to come from disk.
 */
public final class MvStoreConfigStore implements ConfigStore {

  private static final Logger LOG = LoggerFactory.getLogger(MvStoreConfigStore.class);
  private static final String FILE_NAME = "config.mv.db";
  private static final int MAX_BATCH = 512;
  private static final long MAINTENANCE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final Vertx vertx;
  private final MVStore store;
  private final MVMap<String, byte[]> current;
  private final MVMap<String, byte[]> history;
  private final int maxVersions;
  private final Clock clock;
  private final WorkerExecutor readers;
  private final BlockingQueue<Write<?>> writes = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final BlockingQueue<List<Completion>> committed = new LinkedBlockingQueue<>();
  private final Thread syncer;
  private volatile boolean closing;
  private volatile boolean broken;
  private final boolean fsync;

  private MvStoreConfigStore(Vertx vertx, MVStore store, int maxVersions, Clock clock, boolean fsync) {
    this.fsync = fsync;
    this.vertx = vertx;
    this.store = store;
    this.current = store.openMap("current", new MVMap.Builder<String, byte[]>()
        .keyType(StringDataType.INSTANCE).valueType(ByteArrayDataType.INSTANCE));
    this.history = store.openMap("history", new MVMap.Builder<String, byte[]>()
        .keyType(StringDataType.INSTANCE).valueType(ByteArrayDataType.INSTANCE));
    this.maxVersions = maxVersions;
    this.clock = clock;
    this.readers = vertx.createSharedWorkerExecutor("mvstore-reader", Math.max(2, Runtime.getRuntime().availableProcessors()));
    this.writer = new Thread(this::writeLoop, "mvstore-writer");
    this.writer.setDaemon(true);
    this.syncer = new Thread(this::syncLoop, "mvstore-syncer");
    this.syncer.setDaemon(true);
    this.writer.start();
    this.syncer.start();
  }

  /** Opens (or creates) the store in {@code dataDir}, off the event loop. */
  public static Future<MvStoreConfigStore> open(Vertx vertx, Path dataDir, int maxVersions, Clock clock) {
    return open(vertx, dataDir, maxVersions, clock, true);
  }

  /**
   * Opens the store; with {@code fsync} false a write is acknowledged once the file write reaches the operating
   * system (it survives a crash or kill -9 of this process, not a crash of the machine).
   */
  public static Future<MvStoreConfigStore> open(Vertx vertx, Path dataDir, int maxVersions, Clock clock,
                                                boolean fsync) {
    if (maxVersions < 1) {
      return Future.failedFuture(new IllegalArgumentException("maxVersions must be >= 1"));
    }
    return vertx.executeBlocking(() -> {
      Files.createDirectories(dataDir);
      MVStore store = new MVStore.Builder()
          .fileName(dataDir.resolve(FILE_NAME).toString())
          .autoCommitDisabled()
          .open();
      return new MvStoreConfigStore(vertx, store, maxVersions, clock, fsync);
    }, false);
  }

  @Override
  public Future<Optional<ConfigEntry>> get(ConfigKey key) {
    return read(() -> {
      byte[] head = current.get(key.value());
      if (head == null || EntryCodec.isTombstone(head)) {
        return Optional.empty();
      }
      return Optional.of(liveVersion(key, head));
    });
  }

  @Override
  public Future<Optional<ConfigEntry>> getVersion(ConfigKey key, long version) {
    return read(() -> Optional.ofNullable(history.get(EntryCodec.historyKey(key.value(), version)))
        .map(stored -> EntryCodec.decode(key, stored)));
  }

  @Override
  public Future<PutResult> put(ConfigKey key, String valueJson, Precondition precondition) {
    return write(() -> {
      byte[] before = current.get(key.value());
      long latest = before == null ? 0 : EntryCodec.versionOf(before);
      long live = before == null || EntryCodec.isTombstone(before) ? 0 : latest;
      if (!precondition.allows(live)) {
        throw new PreconditionFailedException(key, precondition, live);
      }
      ConfigEntry entry = ConfigEntry.value(key, latest + 1, valueJson, clock.instant());
      record(entry);
      return new PutResult(entry, live == 0);
    });
  }

  @Override
  public Future<ConfigEntry> delete(ConfigKey key, Precondition precondition) {
    return write(() -> {
      byte[] before = current.get(key.value());
      long latest = before == null ? 0 : EntryCodec.versionOf(before);
      long live = before == null || EntryCodec.isTombstone(before) ? 0 : latest;
      if (live == 0 && (precondition == Precondition.NONE || precondition == Precondition.ABSENT)) {
        throw new ConfigNotFoundException(key);
      }
      if (!precondition.allows(live)) {
        throw new PreconditionFailedException(key, precondition, live);
      }
      ConfigEntry tombstone = ConfigEntry.tombstone(key, latest + 1, clock.instant());
      record(tombstone);
      return tombstone;
    });
  }

  @Override
  public Future<Page<ConfigEntry>> list(String prefix, int limit, String cursor) {
    return read(() -> {
      String after = cursor == null ? null : decodeCursor(cursor, prefix);
      String from = after == null ? prefix : after;
      List<ConfigEntry> items = new ArrayList<>(Math.min(limit, 128));
      String last = null;
      boolean more = false;
      Iterator<String> keys = current.keyIterator(from);
      while (keys.hasNext()) {
        String k = keys.next();
        if (!k.startsWith(prefix)) {
          break;
        }
        if (k.equals(after)) {
          continue;
        }
        byte[] head = current.get(k);
        if (head == null || EntryCodec.isTombstone(head)) {
          continue;
        }
        if (items.size() == limit) {
          more = true;
          break;
        }
        items.add(liveVersion(new ConfigKey(k), head));
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
      String low = EntryCodec.historyKey(key.value(), 0);
      // Walk down from just below 'before' to this key's lowest version.
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
    if (closing || store.isClosed()) {
      return Future.failedFuture(new StoreUnavailableException("the embedded store is closed", Duration.ofSeconds(1)));
    }
    if (broken) {
      return Future.failedFuture(new StoreUnavailableException("the embedded store failed to force writes to disk; "
          + "restart the service after checking the disk", Duration.ofSeconds(30)));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    closing = true;
    Promise<Void> done = Promise.promise();
    writes.add(new Write<>(() -> null, null, null) {
      @Override
      void finish(Object result, RuntimeException failure) {
        done.complete();
      }
    });
    return done.future().compose(v -> vertx.executeBlocking(() -> {
      writer.join(TimeUnit.SECONDS.toMillis(30));
      syncer.join(TimeUnit.SECONDS.toMillis(30));
      store.close();
      readers.close();
      LOG.info("embedded store closed");
      return null;
    }, false));
  }

  /** The entry a head (version, flags, time; no value) points at: the value lives in the history map only. */
  private ConfigEntry liveVersion(ConfigKey key, byte[] head) {
    byte[] stored = history.get(EntryCodec.historyKey(key.value(), EntryCodec.versionOf(head)));
    if (stored == null) {
      throw new IllegalStateException("embedded store is inconsistent: no history item for the head of " + key);
    }
    return EntryCodec.decode(key, stored);
  }

  /**
   * Applies an entry: a history item with the value, and a small head in the current map (the version, no value,
   * so that a commit rewrites little of the current map). History beyond the cap is pruned.
   */
  private void record(ConfigEntry entry) {
    byte[] encoded = EntryCodec.encode(entry);
    String k = entry.key().value();
    current.put(k, EntryCodec.head(encoded));
    history.put(EntryCodec.historyKey(k, entry.version()), encoded);
    long oldestKept = entry.version() - maxVersions + 1;
    if (oldestKept > 1) {
      // Versions below oldestKept go; walk down from there until this key's versions end.
      String low = EntryCodec.historyKey(k, 0);
      String h = history.lowerKey(EntryCodec.historyKey(k, oldestKept));
      while (h != null && h.compareTo(low) > 0) {
        history.remove(h);
        h = history.lowerKey(h);
      }
    }
  }

  private <T> Future<T> read(java.util.concurrent.Callable<T> action) {
    if (closing) {
      return Future.failedFuture(new StoreUnavailableException("the embedded store is shutting down", Duration.ofSeconds(1)));
    }
    return readers.executeBlocking(action, false);
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
    writes.add(new Write<>(mutation, promise, context));
    return promise.future();
  }

  private void writeLoop() {
    List<Write<?>> batch = new ArrayList<>(MAX_BATCH);
    long lastMaintenance = System.nanoTime();
    while (true) {
      try {
        Write<?> first = writes.poll(1, TimeUnit.SECONDS);
        if (first == null) {
          if (System.nanoTime() - lastMaintenance > MAINTENANCE_INTERVAL_NANOS) {
            maintain();
            lastMaintenance = System.nanoTime();
          }
          continue;
        }
        batch.add(first);
        writes.drainTo(batch, MAX_BATCH - 1);
        List<Completion> done = applyBatch(batch);
        batch.clear();
        committed.add(done);
        if (done.stream().anyMatch(c -> c.write().promise == null)) {
          return; // close requested: the syncer finishes what is queued, then acknowledges the close
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Applies and commits one batch (written to the file, not yet forced to disk) and returns what each write
   * answers. The syncer acknowledges them after the next fsync, while this thread goes on with the next batch.
   */
  private List<Completion> applyBatch(List<Write<?>> batch) {
    Object[] results = new Object[batch.size()];
    RuntimeException[] failures = new RuntimeException[batch.size()];
    boolean changed = false;
    for (int i = 0; i < batch.size(); i++) {
      Write<?> w = batch.get(i);
      if (w.promise == null) {
        continue;
      }
      try {
        results[i] = w.mutation.get();
        changed = true;
      } catch (RuntimeException e) {
        failures[i] = e;
      }
    }
    if (changed) {
      try {
        store.commit();
      } catch (RuntimeException e) {
        LOG.error("commit of {} writes to the embedded store failed; rolling them back", batch.size(), e);
        safeRollback();
        StoreUnavailableException failure =
            new StoreUnavailableException("the embedded store could not write to disk", Duration.ofSeconds(5), e);
        for (int i = 0; i < batch.size(); i++) {
          if (failures[i] == null) {
            failures[i] = failure;
          }
        }
      }
    }
    List<Completion> done = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      done.add(new Completion(batch.get(i), results[i], failures[i]));
    }
    return done;
  }

  /**
   * Forces committed batches to disk and only then acknowledges them, in commit order. One fsync covers every
   * batch committed before it started, and it overlaps with the writer committing the next batch.
   */
  private void syncLoop() {
    List<List<Completion>> pending = new ArrayList<>();
    while (true) {
      try {
        pending.add(committed.take());
        committed.drainTo(pending);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      RuntimeException syncFailure = null;
      try {
        if (fsync) {
          store.sync();
        }
      } catch (RuntimeException e) {
        // The data may or may not be on disk, and later batches build on it: stop taking writes.
        LOG.error("fsync of the embedded store failed; refusing further writes", e);
        broken = true;
        syncFailure = new StoreUnavailableException("the embedded store could not force its file to disk",
            Duration.ofSeconds(30), e);
      }
      boolean stop = false;
      for (List<Completion> batch : pending) {
        for (Completion c : batch) {
          stop |= c.write().promise == null;
          c.write().finish(c.result(), c.failure() != null ? c.failure() : syncFailure);
        }
      }
      pending.clear();
      if (stop) {
        return;
      }
    }
  }

  private void safeRollback() {
    try {
      store.rollback();
    } catch (RuntimeException e) {
      LOG.error("rollback of the embedded store failed", e);
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

  /** What one write answers once its batch is on disk. */
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

    @SuppressWarnings("unchecked")
    void finish(Object result, RuntimeException failure) {
      context.runOnContext(v -> {
        if (failure != null) {
          promise.fail(failure);
        } else {
          promise.complete((T) result);
        }
      });
    }
  }

}
