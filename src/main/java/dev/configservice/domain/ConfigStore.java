package dev.configservice.domain;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where configuration lives. Every method answers with a future and never blocks the caller's thread.
 *
 * <p>Versions count 1, 2, 3, … per key and keep counting across deletions: a delete writes a tombstone
 * version, and a later write continues after it. History keeps at most a configured number of versions
 * per key (tombstones included), newest first.
 *
 * <p>Failures are reported with the domain exceptions: {@link PreconditionFailedException},
 * {@link ConfigNotFoundException}, {@link InvalidCursorException}, {@link StoreUnavailableException} and
 * {@link StoreTimeoutException}.
 */
public interface ConfigStore {

  /** The current live version of {@code key}, empty when absent or deleted. */
  Future<Optional<ConfigEntry>> get(ConfigKey key);

  /**
   * The current live versions of several keys, as {@link #get} answers each: for re-reading many cached keys at
   * once. Every key read is in the answer, with its entry or empty (absent or deleted); a key the store could not
   * read this time is left out, so the caller may ask again later. Fails only when no key could be read. Stores
   * that read many keys in one call (DynamoDB's BatchGetItem) override this; by default it is one {@link #get}
   * per distinct key.
   */
  default Future<Map<ConfigKey, Optional<ConfigEntry>>> getMany(Collection<ConfigKey> keys) {
    List<ConfigKey> distinct = List.copyOf(new LinkedHashSet<>(keys));
    List<Future<Optional<ConfigEntry>>> reads = new ArrayList<>(distinct.size());
    for (ConfigKey key : distinct) {
      reads.add(get(key));
    }
    return Future.join(reads).transform(done -> {
      Map<ConfigKey, Optional<ConfigEntry>> found = new HashMap<>();
      Throwable failure = null;
      for (int i = 0; i < distinct.size(); i++) {
        Future<Optional<ConfigEntry>> read = reads.get(i);
        if (read.succeeded()) {
          found.put(distinct.get(i), read.result());
        } else if (failure == null) {
          failure = read.cause();
        }
      }
      return found.isEmpty() && failure != null ? Future.failedFuture(failure) : Future.succeededFuture(found);
    });
  }

  /** Version {@code version} of {@code key} (possibly a tombstone), empty when it never existed or was pruned. */
  Future<Optional<ConfigEntry>> getVersion(ConfigKey key, long version);

  /** Writes {@code valueJson} as the next version of {@code key} if {@code precondition} holds. */
  Future<PutResult> put(ConfigKey key, String valueJson, Precondition precondition);

  /**
   * Deletes {@code key} if {@code precondition} holds, answering the tombstone. Fails with
   * {@link ConfigNotFoundException} when the key is absent and the precondition does not ask for a version.
   */
  Future<ConfigEntry> delete(ConfigKey key, Precondition precondition);

  /** Live keys starting with {@code prefix} in key order, after {@code cursor} (null for the first page). */
  Future<Page<ConfigEntry>> list(String prefix, int limit, String cursor);

  /** Versions of {@code key} newest first, tombstones included, after {@code cursor} (null for the first page). */
  Future<Page<ConfigEntry>> history(ConfigKey key, int limit, String cursor);

  /** Succeeds when the store can serve requests right now. */
  Future<Void> ping();

  /** Flushes and releases everything; no call may follow. */
  Future<Void> close();
}
