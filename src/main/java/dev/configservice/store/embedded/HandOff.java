package dev.configservice.store.embedded;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Many producers (event loops) hand items to one consumer thread (the store's writer) without ever taking a lock.
 * A {@code LinkedBlockingQueue} would make a producer take the consumer's lock to signal it, and an event loop
 * then waits whenever the consumer holds that lock and has lost its core: on two shared cores that was seen
 * as event loops parked in {@code futex} for up to 20 ms. Here a producer only appends and, when the consumer
 * has announced that it is about to sleep, unparks it.
 */
final class HandOff<T> {

  private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
  /** The consumer while it is parked or about to park; null while it is running. */
  private final AtomicReference<Thread> sleeper = new AtomicReference<>();

  /** Adds an item; never blocks. */
  void offer(T item) {
    items.offer(item);
    // Read after the append: either the consumer sees the item in its re-check, or it announced itself first
    // and is woken here (volatile accesses are totally ordered).
    Thread parked = sleeper.get();
    if (parked != null && sleeper.compareAndSet(parked, null)) {
      LockSupport.unpark(parked);
    }
  }

  /**
   * Moves up to {@code max} items into {@code into}, waiting up to {@code timeoutNanos} for the first one. Returns
   * how many were moved (0 on timeout or interrupt). Consumer thread only.
   */
  int drain(List<T> into, int max, long timeoutNanos) {
    int n = drainNow(into, max);
    if (n > 0) {
      return n;
    }
    long deadline = System.nanoTime() + timeoutNanos;
    Thread me = Thread.currentThread();
    while (true) {
      sleeper.set(me);
      n = drainNow(into, max); // an item that arrived before the announcement, whose producer did not unpark
      if (n > 0) {
        sleeper.set(null);
        return n;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0 || me.isInterrupted()) {
        sleeper.set(null);
        return 0;
      }
      LockSupport.parkNanos(this, left);
      sleeper.set(null);
      n = drainNow(into, max);
      if (n > 0) {
        return n;
      }
    }
  }

  /** Whether nothing is waiting (a snapshot). */
  boolean isEmpty() {
    return items.isEmpty();
  }

  private int drainNow(List<T> into, int max) {
    int n = 0;
    T item;
    while (n < max && (item = items.poll()) != null) {
      into.add(item);
      n++;
    }
    return n;
  }
}
