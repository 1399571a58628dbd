package dev.configservice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Publishes the service's CloudWatch metrics as embedded metric format (EMF) records: one JSON line per
 * interval on stdout, which the container's log driver ships to CloudWatch Logs, where CloudWatch turns it
 * into metrics. The metric names, units and dimension are exactly those of
 * {@code monitoring/cloudwatch-metrics.json}, which the CDK alarms and dashboard read.
 *
 * <p>Counts are the increase over the interval; latency percentiles are read off the interval's histogram
 * (the upper bound of the bucket holding the percentile, so never understated).
 */
public final class CloudWatchEmfPublisher {

  /** Name and unit of every metric published, in publishing order. */
  public static final Map<String, String> METRICS = new LinkedHashMap<>();

  static {
    METRICS.put("RequestCount", "Count");
    METRICS.put("Http4xxCount", "Count");
    METRICS.put("Http5xxCount", "Count");
    METRICS.put("ShedCount", "Count");
    METRICS.put("LatencyP50", "Milliseconds");
    METRICS.put("LatencyP99", "Milliseconds");
    METRICS.put("CacheHits", "Count");
    METRICS.put("CacheMisses", "Count");
    METRICS.put("CacheEntries", "Count");
    METRICS.put("CacheStaleAnswers", "Count");
    METRICS.put("StoreCalls", "Count");
    METRICS.put("StoreErrors", "Count");
    METRICS.put("StoreThrottles", "Count");
    METRICS.put("StoreLatencyP99", "Milliseconds");
  }

  private static final List<String> STORE_ERROR_OUTCOMES = List.of("unavailable", "timeout", "error", "throttled");

  private final MeterRegistry registry;
  private final String namespace;
  private final String serviceName;
  private final PrintStream out;
  private final Clock clock;
  private final Map<String, Double> lastCounts = new HashMap<>();
  private final Map<String, double[]> lastBuckets = new HashMap<>();

  public CloudWatchEmfPublisher(MeterRegistry registry, String namespace, String serviceName, PrintStream out,
                                Clock clock) {
    this.registry = registry;
    this.namespace = namespace;
    this.serviceName = serviceName;
    this.out = out;
    this.clock = clock;
    record(); // first call sets the baselines, so the first published interval starts now
  }

  /** Prints one EMF record covering the time since the previous call. */
  public void publish() {
    String line = record().encode();
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /** Builds the record for the interval since the previous call and moves the baselines forward. */
  JsonObject record() {
    JsonArray definitions = new JsonArray();
    METRICS.forEach((name, unit) -> definitions.add(new JsonObject().put("Name", name).put("Unit", unit)));
    JsonObject root = new JsonObject().put("_aws", new JsonObject()
        .put("Timestamp", clock.millis())
        .put("CloudWatchMetrics", new JsonArray().add(new JsonObject()
            .put("Namespace", namespace)
            .put("Dimensions", new JsonArray().add(new JsonArray().add("Service")))
            .put("Metrics", definitions))));
    root.put("Service", serviceName);
    root.put("RequestCount", timerCountDelta("requests", Metrics.HTTP_TIMER, t -> true));
    root.put("Http4xxCount", timerCountDelta("4xx", Metrics.HTTP_TIMER, t -> codeStartsWith(t, '4')));
    root.put("Http5xxCount", timerCountDelta("5xx", Metrics.HTTP_TIMER, t -> codeStartsWith(t, '5')));
    root.put("ShedCount", counterDelta("config.http.shed") + counterDelta("config.store.shed")
        + counterDelta("config.http.connections.refused"));
    double[] httpBuckets = bucketDelta(Metrics.HTTP_TIMER);
    root.put("LatencyP50", percentileMillis(httpBuckets, 0.50));
    root.put("LatencyP99", percentileMillis(httpBuckets, 0.99));
    root.put("CacheHits", counterDelta("config.cache.hits"));
    root.put("CacheMisses", counterDelta("config.cache.misses"));
    Gauge entries = registry.find("config.cache.entries").gauge();
    root.put("CacheEntries", entries == null ? 0.0 : entries.value());
    root.put("CacheStaleAnswers", counterDelta("config.cache.stale.answers"));
    root.put("StoreCalls", timerCountDelta("store", Metrics.STORE_TIMER, t -> true));
    root.put("StoreErrors", timerCountDelta("store-errors", Metrics.STORE_TIMER,
        t -> STORE_ERROR_OUTCOMES.contains(t.getId().getTag("outcome"))));
    root.put("StoreThrottles", timerCountDelta("store-throttles", Metrics.STORE_TIMER,
        t -> "throttled".equals(t.getId().getTag("outcome"))));
    root.put("StoreLatencyP99", percentileMillis(bucketDelta(Metrics.STORE_TIMER), 0.99));
    return root;
  }

  private static boolean codeStartsWith(Timer t, char first) {
    String code = t.getId().getTag("code");
    return code != null && !code.isEmpty() && code.charAt(0) == first;
  }

  private double timerCountDelta(String label, String timerName, Predicate<Timer> which) {
    double total = registry.find(timerName).timers().stream().filter(which).mapToDouble(Timer::count).sum();
    return delta("timer:" + label, total);
  }

  private double counterDelta(String counterName) {
    double total = registry.find(counterName).counters().stream().mapToDouble(Counter::count).sum();
    return delta("counter:" + counterName, total);
  }

  private double delta(String key, double total) {
    Double last = lastCounts.put(key, total);
    return Math.max(0, total - (last == null ? 0 : last));
  }

  /** Per-bucket counts (not cumulative) of the interval, summed over all of the timer's tag sets. */
  private double[] bucketDelta(String timerName) {
    double[] cumulative = new double[Metrics.BUCKETS_MS.length + 1];
    for (Timer t : registry.find(timerName).timers()) {
      CountAtBucket[] counts = t.takeSnapshot().histogramCounts();
      long total = t.count();
      for (int i = 0; i < Metrics.BUCKETS_MS.length && i < counts.length; i++) {
        cumulative[i] += counts[i].count();
      }
      cumulative[Metrics.BUCKETS_MS.length] += total;
    }
    double[] previous = lastBuckets.put(timerName, cumulative.clone());
    double[] delta = new double[cumulative.length];
    for (int i = 0; i < cumulative.length; i++) {
      delta[i] = Math.max(0, cumulative[i] - (previous == null ? 0 : previous[i]));
    }
    return delta; // still cumulative per bucket bound, over the interval
  }

  /** The upper bound (ms) of the bucket holding the percentile; 0 when nothing was recorded. */
  static double percentileMillis(double[] cumulativeDelta, double percentile) {
    double total = cumulativeDelta[cumulativeDelta.length - 1];
    if (total <= 0) {
      return 0;
    }
    double rank = Math.ceil(total * percentile);
    for (int i = 0; i < Metrics.BUCKETS_MS.length; i++) {
      if (cumulativeDelta[i] >= rank) {
        return Metrics.BUCKETS_MS[i];
      }
    }
    return Metrics.BUCKETS_MS[Metrics.BUCKETS_MS.length - 1] * 2; // beyond the last bound
  }
}
