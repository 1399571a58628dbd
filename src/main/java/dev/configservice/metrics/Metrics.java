package dev.configservice.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/** The process's meter registry: Prometheus text for /metrics, histogram buckets for latency timers. */
public final class Metrics {

  /** Timers that get histogram buckets (for p50/p99 in Prometheus and in CloudWatch records). */
  public static final String HTTP_TIMER = "vertx.http.server.response.time";
  public static final String STORE_TIMER = "config.store.call";

  /** Bucket bounds in milliseconds: fine below 10 ms where cached reads live, coarse above. */
  static final double[] BUCKETS_MS = {0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

  private Metrics() {
  }

  public static PrometheusMeterRegistry createRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        if (id.getName().equals(HTTP_TIMER) || id.getName().equals(STORE_TIMER)) {
          double[] slos = new double[BUCKETS_MS.length];
          for (int i = 0; i < slos.length; i++) {
            slos[i] = Duration.ofNanos((long) (BUCKETS_MS[i] * 1_000_000)).toNanos();
          }
          return DistributionStatisticConfig.builder().serviceLevelObjectives(slos).build().merge(config);
        }
        return config;
      }
    });
    return registry;
  }
}
