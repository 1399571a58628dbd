package dev.configservice.domain;

import io.vertx.core.Future;
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
