package dev.configservice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.api.RunningService;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the service publishes to CloudWatch is exactly the catalog in monitoring/cloudwatch-metrics.json, which
 * the CDK alarms and dashboard are checked against: same names, units, namespace and dimensions.
 */
class CloudWatchEmfPublisherTest {

  private static JsonObject catalog() throws Exception {
    return new JsonObject(Files.readString(Path.of("monitoring", "cloudwatch-metrics.json")));
  }

  @Test
  void publishesExactlyTheCatalogedMetrics() throws Exception {
    JsonObject catalog = catalog();
    Map<String, String> expected = new LinkedHashMap<>();
    for (Object m : catalog.getJsonArray("metrics")) {
      expected.put(((JsonObject) m).getString("name"), ((JsonObject) m).getString("unit"));
    }
    assertThat(CloudWatchEmfPublisher.METRICS).containsExactlyInAnyOrderEntriesOf(expected);

    MeterRegistry registry = Metrics.createRegistry();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Clock clock = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
    CloudWatchEmfPublisher publisher = new CloudWatchEmfPublisher(registry, catalog.getString("namespace"), "svc",
        new PrintStream(out, true, StandardCharsets.UTF_8), clock);
    publisher.publish();
    JsonObject record = new JsonObject(out.toString(StandardCharsets.UTF_8).trim());

    JsonObject directive = record.getJsonObject("_aws").getJsonArray("CloudWatchMetrics").getJsonObject(0);
    assertThat(record.getJsonObject("_aws").getLong("Timestamp")).isEqualTo(1_700_000_000_000L);
    assertThat(directive.getString("Namespace")).isEqualTo("ConfigService");
    assertThat(directive.getJsonArray("Dimensions")).isEqualTo(new JsonArray().add(catalog.getJsonArray("dimensions")));
    Map<String, String> declared = new LinkedHashMap<>();
    for (Object m : directive.getJsonArray("Metrics")) {
      declared.put(((JsonObject) m).getString("Name"), ((JsonObject) m).getString("Unit"));
      assertThat(record.getValue(((JsonObject) m).getString("Name"))).isInstanceOf(Number.class);
    }
    assertThat(declared).containsExactlyInAnyOrderEntriesOf(expected);
    assertThat(record.getString("Service")).isEqualTo("svc");
  }

  @Test
  void countsTheIntervalsTrafficFromARunningService() throws Exception {
    try (RunningService service = RunningService.start(Map.of("DATA_DIR", Files.createTempDirectory("emf").toString()))) {
      // A publisher over the running service's registry, as the wiring makes it when CLOUDWATCH_METRICS=true.
      MeterRegistry registry = service.app.registry();
      service.post("emf/a", 1); // traffic before the interval starts is not counted
      // The server counts a request as it ends the response, which may be just after the client has it.
      long counted = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (registry.find(Metrics.HTTP_TIMER).timers().stream().mapToLong(t -> t.count()).sum() < 1
          && System.nanoTime() < counted) {
        Thread.sleep(5);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CloudWatchEmfPublisher publisher = new CloudWatchEmfPublisher(registry, "ConfigService", "svc",
          new PrintStream(out, true, StandardCharsets.UTF_8), Clock.systemUTC());
      service.post("emf/b", 2);
      service.get("emf/b"); // a miss: the cache holds what is read, not what is written
      service.get("emf/b");
      service.get("emf/nope");
      // The server records a request's metrics as it ends the response: allow it a moment.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      JsonObject record = publisher.record();
      double requests = record.getDouble("RequestCount");
      while (requests < 4 && System.nanoTime() < deadline) {
        Thread.sleep(20);
        JsonObject more = publisher.record();
        requests += more.getDouble("RequestCount");
        record = more.put("RequestCount", requests)
            .put("Http4xxCount", record.getDouble("Http4xxCount") + more.getDouble("Http4xxCount"))
            .put("CacheHits", record.getDouble("CacheHits") + more.getDouble("CacheHits"))
            .put("CacheMisses", record.getDouble("CacheMisses") + more.getDouble("CacheMisses"))
            .put("StoreCalls", record.getDouble("StoreCalls") + more.getDouble("StoreCalls"))
            .put("LatencyP99", Math.max(record.getDouble("LatencyP99"), more.getDouble("LatencyP99")))
            .put("LatencyP50", Math.max(record.getDouble("LatencyP50"), more.getDouble("LatencyP50")));
      }
      assertThat(record.getDouble("RequestCount")).isEqualTo(4.0);
      assertThat(record.getDouble("Http4xxCount")).isEqualTo(1.0);
      assertThat(record.getDouble("Http5xxCount")).isZero();
      assertThat(record.getDouble("CacheHits")).isEqualTo(1.0);
      assertThat(record.getDouble("CacheMisses")).isEqualTo(2.0);
      assertThat(record.getDouble("StoreCalls")).isGreaterThanOrEqualTo(2.0);
      assertThat(record.getDouble("StoreErrors")).isZero();
      assertThat(record.getDouble("LatencyP99")).isGreaterThan(0.0);
      assertThat(record.getDouble("LatencyP50")).isLessThanOrEqualTo(record.getDouble("LatencyP99"));
      assertThat(record.getDouble("CacheEntries")).isGreaterThanOrEqualTo(2.0);
    }
  }

  @Test
  void theServicePrintsRecordsEveryIntervalWhenEnabled() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (RunningService service = RunningService.start(Map.of("DATA_DIR", Files.createTempDirectory("emf-on").toString(),
        "CLOUDWATCH_METRICS", "true", "METRICS_INTERVAL", "200ms", "SERVICE_NAME", "emf-test"))) {
      service.post("emf/on", 1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!captured.toString(StandardCharsets.UTF_8).contains("\"_aws\"") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    } finally {
      System.setOut(original);
    }
    String record = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("\"_aws\"")).findFirst()
        .orElseThrow(() -> new AssertionError("no EMF record printed"));
    JsonObject json = new JsonObject(record);
    assertThat(json.getString("Service")).isEqualTo("emf-test");
    assertThat(json.getJsonObject("_aws").getJsonArray("CloudWatchMetrics").getJsonObject(0).getString("Namespace"))
        .isEqualTo("ConfigService");
  }

  @Test
  void percentilesComeFromTheIntervalsBuckets() {
    double[] none = new double[Metrics.BUCKETS_MS.length + 1];
    assertThat(CloudWatchEmfPublisher.percentileMillis(none, 0.99)).isZero();
    double[] cumulative = new double[Metrics.BUCKETS_MS.length + 1];
    // 100 requests: 90 within 1 ms (index 2), 99 within 10 ms (index 5), all within 100 ms (index 8)
    for (int i = 0; i < cumulative.length; i++) {
      cumulative[i] = i < 2 ? 0 : i < 5 ? 90 : i < 8 ? 99 : 100;
    }
    assertThat(CloudWatchEmfPublisher.percentileMillis(cumulative, 0.50)).isEqualTo(1.0);
    assertThat(CloudWatchEmfPublisher.percentileMillis(cumulative, 0.99)).isEqualTo(10.0);
    assertThat(CloudWatchEmfPublisher.percentileMillis(cumulative, 1.0)).isEqualTo(100.0);
  }
}
