package dev.configservice.http;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the heap is too full to take more writes ({@code MAX_HEAP_FOR_WRITES}): after every garbage collection
 * the JVM reports how much of the heap is still in use; above the limit the instance is under pressure until a
 * collection leaves less than {@link #RELIEF_POINTS} percentage points below it.
 *
 * <p>Why: a write holds its body and a few copies of it until it is answered, and the embedded store's checkpoint
 * needs a buffer of several MiB at once. With the read cache full (it may take {@code CACHE_MAX_BYTES}, 60% of the
 * heap) and thousands of connections writing large values, the live heap reached 88–94% of the maximum and a
 * checkpoint ran out of memory, after which the store refuses everything until a restart. Refusing new writes
 * with a fast 503 while the heap is that full lets the writes in progress finish and the collector catch up.
 */
final class HeapPressure implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HeapPressure.class);

  /** What the instance does about a full heap besides refusing writes; runs on the JVM's notification thread. */
  @FunctionalInterface
  interface Response {
    /** After every collection, with whether the instance is now under pressure. */
    void afterCollection(boolean underPressure);

    Response NONE = underPressure -> { };
  }

  /** A warning about pressure is logged at most this often (it may start and end many times a second). */
  static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

  /** How far below the limit the heap in use must fall before writes are taken again. */
  static final int RELIEF_POINTS = 10;
  /**
   * How long a reading stands: under pressure the collector runs many times a second, so when none has run for this
   * long the heap is not filling and the instance is not under pressure (it would otherwise stay refusing writes on
   * an idle heap, whose next collection may be minutes away).
   */
  static final long STALE_NANOS = 2_000_000_000L;

  private final long limitBytes;
  private final long reliefBytes;
  private final Set<String> heapPools;
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener listener = this::onNotification;
  private final long staleNanos;
  private final Response response;
  private volatile boolean high;
  private volatile long usedAfterLastGc;
  private volatile long observedAtNanos;
  private long lastWarnNanos = System.nanoTime() - LOG_INTERVAL_NANOS;
  private long episodesSinceWarn;

  /**
   * Watches the heap against {@code limitPercent} of the maximum heap; 0 watches nothing (never under pressure).
   */
  HeapPressure(int limitPercent, MeterRegistry registry) {
    this(limitPercent, STALE_NANOS, true, Response.NONE, registry);
  }

  /** As above, telling {@code response} after every collection whether the instance is under pressure. */
  HeapPressure(int limitPercent, Response response, MeterRegistry registry) {
    this(limitPercent, STALE_NANOS, true, response, registry);
  }

  /** With {@code watchJvm} false it reads only what {@link #observe} is given (tests of the decision itself). */
  HeapPressure(int limitPercent, long staleNanos, boolean watchJvm, Response response, MeterRegistry registry) {
    this.staleNanos = staleNanos;
    this.response = response;
    long max = Runtime.getRuntime().maxMemory();
    this.limitBytes = limitPercent <= 0 ? Long.MAX_VALUE : max / 100 * limitPercent;
    this.reliefBytes = limitPercent <= 0 ? Long.MAX_VALUE : max / 100 * Math.max(0, limitPercent - RELIEF_POINTS);
    this.heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    if (limitPercent > 0 && watchJvm) {
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (gc instanceof NotificationEmitter emitter) {
          emitter.addNotificationListener(listener, null, null);
          emitters.add(emitter);
        }
      }
    }
    Gauge.builder("config.heap.pressure", this, h -> h.high() ? 1 : 0)
        .description("1 while the heap in use after the last garbage collection is above MAX_HEAP_FOR_WRITES "
            + "(writes get 503), else 0").register(registry);
  }

  /** True while writes should be refused: the last collection left the heap too full, and it was recent. */
  boolean high() {
    return high && System.nanoTime() - observedAtNanos < staleNanos;
  }

  /** The heap in use after the last collection, in bytes (0 before the first). */
  long usedAfterLastGc() {
    return usedAfterLastGc;
  }

  private void onNotification(Notification notification, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
    long used = 0;
    for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
      if (heapPools.contains(pool.getKey())) {
        used += pool.getValue().getUsed();
      }
    }
    observe(used);
  }

  /** Records the heap in use after a collection and decides whether the instance is under pressure. */
  void observe(long usedBytes) {
    usedAfterLastGc = usedBytes;
    observedAtNanos = System.nanoTime();
    if (usedBytes > limitBytes) {
      if (!high) {
        warn(usedBytes);
      }
      high = true;
    } else if (usedBytes < reliefBytes) {
      high = false;
    }
    try {
      response.afterCollection(high);
    } catch (RuntimeException e) {
      LOG.warn("responding to heap pressure failed", e);
    }
  }

  private void warn(long usedBytes) {
    episodesSinceWarn++;
    long now = System.nanoTime();
    if (now - lastWarnNanos >= LOG_INTERVAL_NANOS) {
      LOG.warn("heap {} MiB in use after a collection, above MAX_HEAP_FOR_WRITES ({} MiB): requests with a body get "
              + "503 and the read cache gives memory back until a collection leaves less than {} MiB ({} episode(s) "
              + "of pressure since the last warning, this one included; config_heap_pressure shows the state)", usedBytes >> 20,
          limitBytes >> 20, reliefBytes >> 20, episodesSinceWarn);
      lastWarnNanos = now;
      episodesSinceWarn = 0;
    }
  }

  @Override
  public void close() {
    for (NotificationEmitter emitter : emitters) {
      try {
        emitter.removeNotificationListener(listener);
      } catch (ListenerNotFoundException e) {
        // already gone
      }
    }
    emitters.clear();
  }
}
