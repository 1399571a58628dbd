package dev.configservice.store.embedded;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * How much page memory the embedded store may hold changed but not yet checkpointed before it checkpoints: a
 * sixth of the heap's headroom, i.e. of what lies between the heap in use after the JVM's last collection and
 * MAX_HEAP_FOR_WRITES (85% of the maximum heap by default; 90% when it is off), between 4 and 32 MiB.
 *
 * <p>Each checkpoint serializes every changed page, and a page changed again after it has to be read back: with
 * hot keys (the same pages changed over and over) fewer checkpoints cost less, about 7% of a POST's CPU between a
 * checkpoint per 4 MiB and per 16 MiB of log (docs/performance.md, round 11). With a full read cache the heap
 * cannot afford that many unsaved pages (16 MiB of distinct 1 KiB writes held between checkpoints had writes
 * refused near the end of the 100,000-key memory test), so the budget shrinks as the heap fills.
 * The JVM's last collection is read at most once a second.
 */
final class UnsavedBudget implements LongSupplier {

  static final long MIN_BYTES = 4L * 1024 * 1024;
  static final long MAX_BYTES = 32L * 1024 * 1024;
  private static final long REFRESH_NANOS = 1_000_000_000L;

  /** The share of the heap the budget keeps below when MAX_HEAP_FOR_WRITES is off. */
  static final int LIMIT_PERCENT_WHEN_OFF = 90;

  private final long maxHeap = Runtime.getRuntime().maxMemory();
  private final int limitPercent;
  private final List<com.sun.management.GarbageCollectorMXBean> collectors;
  private final Set<String> heapPools;
  private long budget = MIN_BYTES;
  private long refreshedAt = System.nanoTime() - REFRESH_NANOS;

  /** A budget below {@code limitPercent} of the maximum heap (MAX_HEAP_FOR_WRITES; 0 or less when it is off). */
  UnsavedBudget(int limitPercent) {
    this.limitPercent = limitPercent > 0 ? limitPercent : LIMIT_PERCENT_WHEN_OFF;
    collectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
        .filter(b -> b instanceof com.sun.management.GarbageCollectorMXBean)
        .map(b -> (com.sun.management.GarbageCollectorMXBean) b).toList();
    heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
  }

  /** The budget in bytes; called by the store's writer thread only. */
  @Override
  public long getAsLong() {
    long now = System.nanoTime();
    if (now - refreshedAt >= REFRESH_NANOS) {
      refreshedAt = now;
      budget = of(maxHeap, limitPercent, usedAfterLastCollection());
    }
    return budget;
  }

  /**
   * The budget for a heap of {@code maxHeap} bytes with {@code used} in use after the last collection, below
   * {@code limitPercent} of it.
   */
  static long of(long maxHeap, int limitPercent, long used) {
    long headroom = maxHeap / 100 * limitPercent - used;
    return Math.max(MIN_BYTES, Math.min(MAX_BYTES, headroom / 6));
  }

  /** The heap in use after the most recent collection; before the first one, the heap in use now (garbage too). */
  private long usedAfterLastCollection() {
    com.sun.management.GcInfo last = null;
    for (com.sun.management.GarbageCollectorMXBean c : collectors) {
      com.sun.management.GcInfo info = c.getLastGcInfo();
      if (info != null && (last == null || info.getEndTime() > last.getEndTime())) {
        last = info;
      }
    }
    if (last == null) {
      Runtime r = Runtime.getRuntime();
      return r.totalMemory() - r.freeMemory();
    }
    long used = 0;
    for (Map.Entry<String, MemoryUsage> pool : last.getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(pool.getKey())) {
        used += pool.getValue().getUsed();
      }
    }
    return used;
  }
}
