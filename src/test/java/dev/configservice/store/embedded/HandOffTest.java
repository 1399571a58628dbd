package dev.configservice.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The writer's lock-free hand-off on real threads: nothing lost or repeated under many producers, and no lost
 * wake-up: a consumer that parks with a long timeout is woken by each new item.
 */
class HandOffTest {

  private static final long LONG_WAIT = TimeUnit.MINUTES.toNanos(1);

  @Test
  void everyItemFromManyProducersArrivesExactlyOnce() throws Exception {
    HandOff<Integer> handOff = new HandOff<>();
    int producers = 4;
    int each = 50_000;
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int base = p * each;
      Thread t = new Thread(() -> {
        for (int i = 0; i < each; i++) {
          handOff.offer(base + i);
          if (i % 1000 == 0) {
            Thread.yield(); // let the consumer catch up and park now and then
          }
        }
      });
      threads.add(t);
      t.start();
    }
    BitSet seen = new BitSet(producers * each);
    List<Integer> batch = new ArrayList<>();
    int received = 0;
    while (received < producers * each) {
      int n = handOff.drain(batch, 512, TimeUnit.SECONDS.toNanos(10));
      assertThat(n).as("items arrive without waiting for the timeout").isPositive().isEqualTo(batch.size());
      for (int item : batch) {
        assertThat(seen.get(item)).as("item %d twice", item).isFalse();
        seen.set(item);
      }
      received += n;
      batch.clear();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(seen.cardinality()).isEqualTo(producers * each);
    assertThat(handOff.isEmpty()).isTrue();
  }

  @Test
  void aParkedConsumerIsWokenByEachItem() {
    // Ping-pong: each round the consumer has usually parked (with a one-minute timeout) before the item comes;
    // a lost wake-up would stall a round for that minute and the whole test past its limit.
    Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      HandOff<Integer> handOff = new HandOff<>();
      Semaphore consumed = new Semaphore(0);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      int rounds = 20_000;
      Thread consumer = new Thread(() -> {
        List<Integer> batch = new ArrayList<>();
        try {
          for (int i = 0; i < rounds; i++) {
            int n = handOff.drain(batch, 16, LONG_WAIT);
            if (n != 1 || batch.get(0) != i) {
              throw new AssertionError("round " + i + " got " + batch);
            }
            batch.clear();
            consumed.release();
          }
        } catch (Throwable t) {
          failure.set(t);
          consumed.release(rounds);
        }
      });
      consumer.start();
      for (int i = 0; i < rounds; i++) {
        if (i % 2 == 0) {
          Thread.onSpinWait(); // vary the timing between offering and the consumer parking
        }
        handOff.offer(i);
        consumed.acquire();
      }
      consumer.join();
      assertThat(failure.get()).isNull();
    });
  }

  @Test
  void drainGivesUpAfterItsTimeoutWhenNothingComes() {
    HandOff<Integer> handOff = new HandOff<>();
    List<Integer> batch = new ArrayList<>();
    long start = System.nanoTime();
    assertThat(handOff.drain(batch, 8, TimeUnit.MILLISECONDS.toNanos(50))).isZero();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(batch).isEmpty();
  }

  @Test
  void anInterruptedConsumerStopsWaiting() {
    HandOff<Integer> handOff = new HandOff<>();
    Thread.currentThread().interrupt();
    try {
      assertThat(handOff.drain(new ArrayList<>(), 8, LONG_WAIT)).isZero();
    } finally {
      assertThat(Thread.interrupted()).isTrue();
    }
  }
}
