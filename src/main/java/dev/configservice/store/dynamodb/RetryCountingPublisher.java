package dev.configservice.store.dynamodb;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollection;
import software.amazon.awssdk.metrics.MetricPublisher;

/**
 * Counts the SDK's own retries (throttling, 5xx, timeouts of single attempts) as {@code config.store.retries}, which
 * the Prometheus registry exposes as {@code config_store_retries_total}. The SDK publishes one collection per API
 * call, carrying {@link CoreMetric#RETRY_COUNT}.
 */
final class RetryCountingPublisher implements MetricPublisher {

  static final String METRIC = "config.store.retries";

  private final Counter retries;

  RetryCountingPublisher(MeterRegistry registry) {
    this.retries = Counter.builder(METRIC)
        .description("Retries the AWS SDK made for DynamoDB calls")
        .tag("store", "dynamodb")
        .register(registry);
  }

  @Override
  public void publish(MetricCollection metrics) {
    int total = 0;
    for (Integer count : metrics.metricValues(CoreMetric.RETRY_COUNT)) {
      if (count != null) {
        total += count;
      }
    }
    if (total > 0) {
      retries.increment(total);
    }
  }

  @Override
  public void close() {
    // nothing held: the counter belongs to the registry
  }
}
