package dev.configservice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The adaptive write limit's rule, driven by a clock the test moves a millisecond at a time: closed-loop
 * writers against a store model whose latency depends on the writes in progress.
 */
class AdaptiveLimitTest {

  private static final long MS = 1_000_000;
  private final AtomicLong now = new AtomicLong(1_000 * MS);

  private AdaptiveLimit limit(int initial, int min, int max) {
    return new AdaptiveLimit(initial, min, max, Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofMillis(100),
        now::get);
  }

  /** What {@link #run} saw. */
  record Run(long admitted, long refused, long slowestLateMs) {
  }

  /**
   * {@code writers} clients, each writing again as soon as it is answered (or 1 ms after a refusal), for
   * {@code millis}; a write's latency is fixed when it is admitted, from the writes then in progress.
   * {@code slowestLateMs} is the slowest admitted write of the last quarter of the run.
   */
  private Run run(AdaptiveLimit limit, int writers, IntToLongFunction latencyMs, long millis) {
    return run(limit, writers, 0, latencyMs, millis);
  }

  /** As above, writer {@code i} starting {@code i * rampMs} after the others began. */
  private Run run(AdaptiveLimit limit, int writers, long rampMs, IntToLongFunction latencyMs, long millis) {
    long[] due = new long[writers];
    long[] started = new long[writers];
    Arrays.fill(due, -1);
    long admitted = 0;
    long refused = 0;
    long slowestLate = 0;
    long t0 = now.get() / MS;
    for (long t = t0; t < t0 + millis; t++) {
      now.set(t * MS);
      for (int i = 0; i < writers; i++) {
        if (due[i] == t) {
          limit.release((t - started[i]) * MS, false);
          if (t - t0 >= millis * 3 / 4) {
            slowestLate = Math.max(slowestLate, t - started[i]);
          }
          due[i] = -1;
        }
        if (due[i] < 0 && t - t0 >= i * rampMs) { // answered (or refused earlier): writes again at once
          if (limit.tryAcquire()) {
            admitted++;
            started[i] = t;
            due[i] = t + Math.max(1, latencyMs.applyAsLong(limit.inFlight()));
          } else {
            refused++;
          }
        }
      }
    }
    // let the writes in progress finish, without new ones
    for (long t = t0 + millis; Arrays.stream(due).anyMatch(d -> d >= 0); t++) {
      now.set(t * MS);
      for (int i = 0; i < writers; i++) {
        if (due[i] == t) {
          limit.release((t - started[i]) * MS, false);
          due[i] = -1;
        }
      }
    }
    return new Run(admitted, refused, slowestLate);
  }

  /**
   * Open model: {@code perMs} new writes arrive every millisecond whatever happens to the earlier ones (clients
   * that do not wait for each other), for {@code millis}; latency as in {@link #run}.
   */
  private Run open(AdaptiveLimit limit, int perMs, IntToLongFunction latencyMs, long millis) {
    PriorityQueue<long[]> due = new PriorityQueue<>(Comparator.comparingLong((long[] w) -> w[0]));
    long admitted = 0;
    long refused = 0;
    long slowestLate = 0;
    long t0 = now.get() / MS;
    for (long t = t0; t < t0 + millis || !due.isEmpty(); t++) {
      now.set(t * MS);
      while (!due.isEmpty() && due.peek()[0] == t) {
        long started = due.poll()[1];
        limit.release((t - started) * MS, false);
        if (t - t0 >= millis * 3 / 4 && t - t0 < millis) {
          slowestLate = Math.max(slowestLate, t - started);
        }
      }
      for (int i = 0; t < t0 + millis && i < perMs; i++) {
        if (limit.tryAcquire()) {
          admitted++;
          due.add(new long[] {t + Math.max(1, latencyMs.applyAsLong(limit.inFlight())), t});
        } else {
          refused++;
        }
      }
    }
    return new Run(admitted, refused, slowestLate);
  }

  @Test
  void aStoreThatKeepsUpIsNeverLimited() {
    AdaptiveLimit limit = limit(4096, 4, 4096);
    Run run = run(limit, 200, inFlight -> 2, 3_000);
    assertThat(run.refused()).isZero();
    assertThat(limit.limit()).isEqualTo(4096);
    assertThat(limit.inFlight()).isZero();
  }

  @Test
  void writesArrivingFasterThanTheStoreCompletesThemAreCutToTheConcurrencyThatMeetsTheTarget() {
    AdaptiveLimit limit = limit(4096, 4, 4096);
    run(limit, 50, inFlight -> 2, 500); // baseline 2 ms: target = max(10 ms floor, 2 x 2 ms) = 10 ms
    // a store that completes one write per millisecond (a write waits for those ahead of it), offered 3 per ms
    Run run = open(limit, 3, inFlight -> inFlight, 6_000);
    assertThat(run.refused()).as("about two thirds refused").isBetween(run.admitted(), 3 * run.admitted());
    assertThat(limit.limit()).isBetween(6, 14);
    assertThat(run.slowestLateMs()).as("writes admitted once the limit settled").isLessThanOrEqualTo(20);
  }

  @Test
  void withoutTheLimitTheSameOverloadQueuesWithoutBound() {
    AdaptiveLimit unlimited = limit(4096, 4096, 4096);
    Run run = open(unlimited, 3, inFlight -> inFlight, 1_300);
    assertThat(run.refused()).isZero();
    assertThat(run.slowestLateMs()).isGreaterThanOrEqualTo(500);
  }

  @Test
  void aFixedSetOfWaitingWritersIsNotOverloadHoweverSlowTheStore() {
    AdaptiveLimit limit = limit(4096, 4, 4096);
    run(limit, 50, inFlight -> 2, 500);
    // 100 writers, each waiting for its answer, against the one-write-per-millisecond store: 100 ms each,
    // standing, but the queue does not grow; refusing them would only lose their writes
    Run run = run(limit, 100, inFlight -> inFlight, 4_000);
    assertThat(run.refused()).isZero();
    assertThat(limit.limit()).isEqualTo(4096);
  }

  @Test
  void writersThatConnectOneAfterAnotherToASlowStoreAreNotOverload() {
    AdaptiveLimit limit = limit(4096, 4, 4096);
    // the benchmark's loader against a cold dynalite: 32 writers starting 30 ms apart, ~200 ms a write
    Run run = run(limit, 32, 30, inFlight -> 6L * inFlight, 5_000);
    assertThat(run.refused()).isZero();
    assertThat(limit.limit()).isEqualTo(4096);
  }

  @Test
  void aBurstThatDrainsIsNotCut() {
    AdaptiveLimit limit = limit(4096, 4, 4096);
    run(limit, 50, inFlight -> 2, 500);
    // 800 writes at once, served one per millisecond: the last waits 800 ms, then the queue is empty
    long[] order = new long[800];
    for (int i = 0; i < order.length; i++) {
      assertThat(limit.tryAcquire()).isTrue();
    }
    long t0 = now.get();
    for (int i = 0; i < order.length; i++) {
      now.set(t0 + (i + 1) * MS);
      limit.release((i + 1) * MS, false);
    }
    assertThat(limit.limit()).isEqualTo(4096);
    // a second burst right after it finds the same limit
    for (int i = 0; i < order.length; i++) {
      assertThat(limit.tryAcquire()).isTrue();
    }
  }

  @Test
  void aSlowButSteadyStoreIsJudgedAgainstItsOwnBaseline() {
    AdaptiveLimit limit = limit(4096, 4, 4096);
    // 30 ms per write whatever the load: over the 10 ms floor, but the store's own best; target 60 ms
    Run steady = open(limit, 2, inFlight -> 30, 2_000);
    assertThat(limit.baselineNanos()).isEqualTo(30 * MS);
    assertThat(steady.refused()).isZero();
    // the same store starts queueing (28 ms plus a millisecond per write in progress) under 3 writes per ms
    Run queueing = open(limit, 3, inFlight -> 28 + inFlight, 10_000);
    assertThat(queueing.refused()).isPositive();
    assertThat(limit.limit()).isLessThan(60);
    assertThat(queueing.slowestLateMs()).isLessThanOrEqualTo(2 * 60);
  }

  @Test
  void aTimeoutCutsAtOnceButABurstOfThemCutsOncePerInterval() {
    AdaptiveLimit limit = limit(4096, 4, 4096);
    for (int i = 0; i < 40; i++) {
      assertThat(limit.tryAcquire()).isTrue();
    }
    now.addAndGet(2_000 * MS);
    for (int i = 0; i < 40; i++) {
      limit.release(2_000 * MS, true); // all time out together
    }
    assertThat(limit.limit()).isEqualTo(20); // 40 in progress, halved once
    for (int i = 0; i < 20; i++) {
      assertThat(limit.tryAcquire()).isTrue();
    }
    assertThat(limit.tryAcquire()).isFalse();
    now.addAndGet(100 * MS);
    limit.release(2_000 * MS, true);
    assertThat(limit.limit()).isEqualTo(10);
  }

  @Test
  void aTimeoutUnderAFixedSetOfWaitingWritersIsGivenBack() {
    AdaptiveLimit limit = limit(4096, 4, 4096);
    run(limit, 50, inFlight -> 2, 500); // baseline 2 ms, target 10 ms
    // wrk's 50 connections against the one-write-per-millisecond store (50 ms a write, over the target but not a
    // growing queue) when the store pauses once: one write in progress times out
    run(limit, 50, inFlight -> inFlight, 500);
    for (int i = 0; i < 50; i++) {
      limit.tryAcquire();
    }
    now.addAndGet(2_000 * MS);
    limit.release(2_000 * MS, true);
    for (int i = 0; i < 49; i++) {
      limit.release(50 * MS, false);
    }
    assertThat(limit.limit()).as("the timeout cuts at once").isLessThanOrEqualTo(25);
    // the same writers go on, refused ones retrying at once: the cut is given back, not deepened to the minimum
    run(limit, 50, inFlight -> inFlight, 3_000);
    Run after = run(limit, 50, inFlight -> inFlight, 2_000);
    assertThat(after.refused()).isZero();
    assertThat(limit.limit()).isGreaterThanOrEqualTo(50);
  }

  @Test
  void theLimitStaysWithinItsBoundsAndComesBackOnceHealthy() {
    AdaptiveLimit limit = limit(64, 4, 128);
    for (int i = 0; i < 10; i++) {
      assertThat(limit.tryAcquire()).isTrue();
      now.addAndGet(100 * MS);
      limit.release(5_000 * MS, true);
    }
    assertThat(limit.limit()).isEqualTo(4);
    // some writes always proceed, so recovery is seen; with light use the limit returns to its initial value
    Run light = run(limit, 3, inFlight -> 2, 6_000);
    assertThat(light.admitted()).isPositive();
    assertThat(limit.limit()).isEqualTo(64);
    // and with heavy healthy use it grows to its maximum, no further
    run(limit, 500, inFlight -> 2, 3_000);
    assertThat(limit.limit()).isEqualTo(128);
    assertThatThrownBy(() -> limit(2, 4, 16)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> limit(4, 0, 16)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void afterAnOutageALightlyUsedLimitIsBackWithinSecondsNotMinutes() {
    AdaptiveLimit limit = limit(4096, 4, 4096);
    for (int i = 0; i < 10; i++) { // the store stops answering: timeouts cut the limit to its minimum
      assertThat(limit.tryAcquire()).isTrue();
      now.addAndGet(100 * MS);
      limit.release(3_000 * MS, true);
    }
    assertThat(limit.limit()).isEqualTo(4);
    // it answers again, and the instance sees one write every 200 ms
    for (int i = 0; i < 75 && limit.limit() < 4096; i++) {
      assertThat(limit.tryAcquire()).isTrue();
      now.addAndGet(200 * MS);
      limit.release(2 * MS, false);
    }
    assertThat(limit.limit()).isEqualTo(4096); // within 15 s
    // so the next burst of 300 writes is admitted whole
    for (int i = 0; i < 300; i++) {
      assertThat(limit.tryAcquire()).isTrue();
    }
  }

  @Test
  void aFailureBeforeTheStoreIsNotALatencySample() {
    AdaptiveLimit limit = limit(100, 4, 4096);
    for (int i = 0; i < 20; i++) {
      assertThat(limit.tryAcquire()).isTrue();
      now.addAndGet(500 * MS);
      limit.release(-1, false);
    }
    assertThat(limit.baselineNanos()).isEqualTo(-1);
    assertThat(limit.limit()).isEqualTo(100);
  }
}
