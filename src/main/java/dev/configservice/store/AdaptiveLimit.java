package dev.configservice.store;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A concurrency limit on store writes that follows the store's latency, so that a store driven past its
 * capacity sheds the excess at once instead of queueing it into timeouts.
 *
 * <p>Before this limit, a DynamoDB table (dynalite in the benchmark) offered three times the write rate it
 * sustains queued every write in the SDK's connection pool: 42% of the writes ended in 504 after the store
 * timeout and the accepted ones took 2.4 s at p99. A fixed bound cannot fix that: the right number of
 * writes in progress is the store's rate times its healthy latency, which differs by two orders of
 * magnitude between a local log with group commit and a remote table.
 *
 * <p>The rule follows CoDel (Nichols and Jacobson, "Controlling Queue Delay", 2012): a queue is bad when it
 * <em>stands</em>, not when a burst fills it for a moment. So:
 * <ul>
 *   <li>the <em>target</em> is {@code max(floor, 2 × baseline)}, where the baseline is the fastest write of the
 *       last ~5 minutes (ten 30 s buckets), what the store takes when nothing is queued; the floor keeps a fast
 *       store (a local log at ~1 ms) from shedding on scheduling noise;
 *   <li>a standing queue is every write completing over the target for {@code standing} (1 s in the
 *       service), without the writes in progress draining to zero in between: a burst of writes that drains
 *       within it is not one (50 conditional writes at once take dynalite ~300 ms); and, unless the limit is
 *       already refusing writes, with more writes in progress at the end than at the start (by half, at
 *       least {@code GROWTH}): writes arriving faster than the store completes them, not a fixed set of
 *       clients each waiting for its answer. A timeout or a throttle counts at once, but only a standing queue
 *       makes the limit <em>shed</em>; after a cut on timeouts alone, writes that are slow without a growing
 *       queue give the cut back a tenth per {@code interval} (a store that paused once under a fixed set of
 *       writers must not keep refusing them: refused, they retry at once, and look like demand);
 *   <li>each {@code interval} (100 ms) that a standing queue lasts, the limit is cut to the concurrency seen times
 *       {@code target / latency} (between 0.5 and 0.9; 0.5 on a timeout or throttle), never below {@code min},
 *       so some writes always proceed and the store's recovery is seen;
 *   <li>each healthy {@code interval} with at least {@code MIN_SAMPLES} writes (or each healthy {@code standing}
 *       with fewer) raises the limit: by a tenth (at least one) while it is refusing writes, up to {@code max}
 *       while the writes in progress reach half of it; and, below {@code initial} and refusing nothing, it
 *       doubles, so that after a store outage a lightly used instance does not meet the next burst of writes
 *       with a limit cut for minutes.
 * </ul>
 * With {@code initial = max} (as the service runs it) the limit refuses nothing until a standing queue
 * appears. {@link #tryAcquire()} is two atomic operations on the hot path; {@link #release} takes a short lock.
 */
public final class AdaptiveLimit {

  static final int MIN_SAMPLES = 5;
  /**
   * How many more writes in progress make a growing queue: more than a client's connection pool adds while it
   * opens (the benchmark's loader ramps up 32 writers against a cold dynalite, which took ~200 ms a write).
   */
  static final int GROWTH = 64;
  private static final int BUCKETS = 10;
  private static final long BUCKET_NANOS = Duration.ofSeconds(30).toNanos();
  private static final double TOLERANCE = 2.0;

  private final int initial;
  private final int min;
  private final int max;
  private final long floorNanos;
  private final long intervalNanos;
  private final long standingNanos;
  private final LongSupplier clock;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile int limit;
  private volatile int peak;
  private volatile boolean refused;

  // guarded by this
  private long aboveSince = -1;
  /** A standing queue was seen and the limit cut for it; refusals then count as demand (see {@link #growing}). */
  private boolean shedding;
  private int inFlightAboveSince;
  private long lastCut;
  private long windowStart;
  private int count;
  private final long[] bucketMin = new long[BUCKETS];
  private int bucket;
  private long bucketStart;
  private long baseline = Long.MAX_VALUE;

  /**
   * @param initial  the limit to start with, and to return to once healthy
   * @param min      the limit never goes below this
   * @param max      nor above this
   * @param floor    store latency that is never a reason to shed
   * @param standing how long every write must be over the target before the first cut
   * @param interval the shortest time between two changes of the limit
   * @param clock    nanoseconds, {@code System::nanoTime} outside tests
   */
  public AdaptiveLimit(int initial, int min, int max, Duration floor, Duration standing, Duration interval,
                       LongSupplier clock) {
    if (min < 1 || max < min || initial < min || initial > max) {
      throw new IllegalArgumentException("need 1 <= min <= initial <= max, got " + min + ", " + initial + ", " + max);
    }
    this.initial = initial;
    this.min = min;
    this.max = max;
    this.limit = initial;
    this.floorNanos = floor.toNanos();
    this.intervalNanos = interval.toNanos();
    this.standingNanos = standing.toNanos();
    this.clock = clock;
    long now = clock.getAsLong();
    this.windowStart = now;
    this.bucketStart = now;
    this.lastCut = now - intervalNanos;
    Arrays.fill(bucketMin, Long.MAX_VALUE);
  }

  /** Takes a slot; false (and nothing taken) when the writes in progress are at the limit. */
  public boolean tryAcquire() {
    int now = inFlight.incrementAndGet();
    if (now > limit) {
      inFlight.decrementAndGet();
      if (!refused) {
        refused = true;
      }
      return false;
    }
    if (now > peak) {
      peak = now; // racy maximum: a lost update only understates the peak of one window
    }
    return true;
  }

  /**
   * Gives a slot back.
   *
   * @param latencyNanos how long the write took; negative when it did not reach the store (not a sample)
   * @param overloaded   the store timed out or throttled the call
   */
  public void release(long latencyNanos, boolean overloaded) {
    int remaining = inFlight.decrementAndGet();
    synchronized (this) {
      long now = clock.getAsLong();
      if (latencyNanos >= 0) {
        record(latencyNanos, now);
        count++;
      }
      long target = target();
      boolean above = overloaded || latencyNanos > target;
      if (above) {
        if (aboveSince < 0) {
          aboveSince = now;
          inFlightAboveSince = remaining + 1;
        }
        boolean standing = now - aboveSince >= standingNanos && ((shedding && refused) || growing(remaining + 1));
        if ((overloaded || standing) && now - lastCut >= intervalNanos) {
          double factor = overloaded ? 0.5 : Math.max(0.5, Math.min(0.9, (double) target / latencyNanos));
          limit = Math.max(min, (int) (Math.min(limit, Math.max(peak, remaining + 1)) * factor));
          lastCut = now;
          if (standing) {
            shedding = true;
          }
          startWindow(now, remaining);
        } else if (!overloaded && !shedding && latencyNanos >= 0 && limit < initial) {
          // Slow, but no standing queue has been seen: the cut was a timeout's (a store that paused), and the
          // writers are a fixed set waiting for their answers. Give it back, up to the initial limit.
          raise(now, remaining, false);
        }
      } else if (latencyNanos >= 0) {
        aboveSince = -1;
        raise(now, remaining, true);
      }
      if (remaining == 0) {
        aboveSince = -1; // the queue drained: that was a burst, not a standing queue
      }
    }
  }

  /**
   * Raises the limit once per {@code interval} with enough writes (or per {@code standing} with fewer): doubles it
   * below {@code initial} when it refused nothing (not binding: raising it adds no load at once), else by a tenth,
   * beyond {@code initial} (up to {@code max}) only when {@code healthy} and the writes in progress reach half of it.
   * A healthy window without refusals ends shedding: the writes that come now fit under the limit.
   */
  private void raise(long now, int remaining, boolean healthy) {
    long window = now - windowStart;
    if (now - lastCut < intervalNanos
        || !((count >= MIN_SAMPLES && window >= intervalNanos) || window >= standingNanos)) {
      return;
    }
    int current = limit;
    int step = Math.max(1, current / 10);
    if (!refused && current < initial) {
      limit = Math.min(initial, current * 2);
    } else if (healthy && peak * 2 >= current) {
      limit = Math.min(max, current + step);
    } else if (current < initial) {
      limit = Math.min(initial, current + step);
    }
    if (healthy && !refused) {
      shedding = false;
    }
    startWindow(now, remaining);
  }

  /**
   * Whether the writes in progress grew since the queue went over the target: writes arrive faster than the
   * store completes them. A fixed set of clients that each wait for their answer (wrk's 50 connections) keeps
   * a queue of the same size however slow the store is; that is not overload, only latency, and refusing them
   * would cost them their writes for nothing (with dynalite on the same cores, half of them: the refusals'
   * CPU slowed dynalite from ~880 to 462 writes/s). Once refused, such clients retry at once and look like
   * demand beyond the limit, so the first cut must not be a false one.
   */
  private boolean growing(int inProgress) {
    return inProgress >= inFlightAboveSince + Math.max(GROWTH, inFlightAboveSince / 2);
  }

  private void startWindow(long now, int inProgress) {
    windowStart = now;
    count = 0;
    peak = inProgress;
    refused = false;
  }

  private void record(long latency, long now) {
    boolean rotated = false;
    if (now - bucketStart >= BUCKET_NANOS * BUCKETS) {
      Arrays.fill(bucketMin, Long.MAX_VALUE); // nothing seen for the whole horizon: start afresh
      bucketStart = now;
      rotated = true;
    }
    while (now - bucketStart >= BUCKET_NANOS) {
      bucket = (bucket + 1) % BUCKETS;
      bucketMin[bucket] = Long.MAX_VALUE;
      bucketStart += BUCKET_NANOS;
      rotated = true;
    }
    if (latency < bucketMin[bucket]) {
      bucketMin[bucket] = latency;
      baseline = Math.min(baseline, latency);
    }
    if (rotated) {
      long lowest = Long.MAX_VALUE;
      for (long m : bucketMin) {
        lowest = Math.min(lowest, m);
      }
      baseline = lowest;
    }
  }

  private long target() {
    return baseline == Long.MAX_VALUE ? floorNanos : Math.max(floorNanos, (long) (TOLERANCE * baseline));
  }

  public int limit() {
    return limit;
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** The store's fastest write of the last ~5 minutes, in nanoseconds; -1 before the first. */
  public synchronized long baselineNanos() {
    return baseline == Long.MAX_VALUE ? -1 : baseline;
  }
}
