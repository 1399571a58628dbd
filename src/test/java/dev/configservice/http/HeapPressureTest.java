package dev.configservice.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.api.RunningService;
import dev.configservice.cache.ConfigCache;
import dev.configservice.config.SettingsParser;
import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * MAX_HEAP_FOR_WRITES: when the heap in use after a collection is above the limit, requests with a body are refused
 * until a collection leaves it {@link HeapPressure#RELIEF_POINTS} points lower, or none has run for a while.
 */
@ExtendWith(VertxExtension.class)
class HeapPressureTest {

  private static final long MAX = Runtime.getRuntime().maxMemory();

  private static long percent(int p) {
    return MAX / 100 * p;
  }

  /** The decision alone, fed by the test: the JVM's own collections would race with what the test says. */
  private static HeapPressure decisionOnly(int limitPercent, long staleNanos) {
    return new HeapPressure(limitPercent, staleNanos, false, HeapPressure.Response.NONE, new SimpleMeterRegistry());
  }

  @Test
  void theResponseHearsAfterEveryCollectionWhetherThereIsPressure() {
    List<Boolean> heard = new ArrayList<>();
    try (HeapPressure heap = new HeapPressure(85, HeapPressure.STALE_NANOS, false, heard::add,
        new SimpleMeterRegistry())) {
      heap.observe(percent(60));
      heap.observe(percent(90));
      heap.observe(percent(80)); // below the limit, above the relief level: still under pressure
      heap.observe(percent(70));
      assertThat(heard).containsExactly(false, true, true, false);
    }
  }

  @Test
  void theWiredReadCacheGivesMemoryBackUnderPressure() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ConfigCache cache = new ConfigCache(1000, 1000 * 1300L, Duration.ZERO, Duration.ZERO, e -> new byte[1024], v -> "\"" + v + "\"", registry);
    for (int i = 0; i < 1000; i++) {
      cache.apply(ConfigEntry.value(ConfigKey.of("k" + i), 1, "1", Instant.EPOCH));
    }
    long bound = cache.maxBytes();
    HttpDependencies deps = HttpDependencies.create(SettingsParser.parse(Map.of(), new String[0]), null, cache, null,
        registry, Buffer.buffer());
    try {
      deps.admission().heap().observe(percent(95));
      assertThat(cache.maxBytes()).as("the cache's bound, cut by the wiring").isLessThan(bound);
      assertThat(cache.size()).isLessThan(800);
      // (whether it is still under pressure is not asserted: this heap watch also hears the JVM's own collections)
    } finally {
      deps.close();
    }
  }

  @Test
  void aFailingResponseDoesNotStopTheDecision() {
    HeapPressure.Response failing = underPressure -> {
      throw new IllegalStateException("boom");
    };
    try (HeapPressure heap = new HeapPressure(85, HeapPressure.STALE_NANOS, false, failing, new SimpleMeterRegistry())) {
      heap.observe(percent(90));
      assertThat(heap.high()).isTrue();
      heap.observe(percent(50));
      assertThat(heap.high()).isFalse();
    }
  }

  @Test
  void pressureStartsAboveTheLimitAndEndsTenPointsBelowIt() {
    try (HeapPressure heap = decisionOnly(85, HeapPressure.STALE_NANOS)) {
      heap.observe(percent(84));
      assertThat(heap.high()).isFalse();
      heap.observe(percent(86));
      assertThat(heap.high()).isTrue();
      heap.observe(percent(80)); // below the limit, not yet relieved
      assertThat(heap.high()).isTrue();
      heap.observe(percent(74));
      assertThat(heap.high()).isFalse();
      heap.observe(percent(80)); // rising again: only the limit starts it
      assertThat(heap.high()).isFalse();
    }
  }

  @Test
  void aReadingWithNoCollectionSinceEndsThePressure() throws Exception {
    try (HeapPressure heap = decisionOnly(85, TimeUnit.MILLISECONDS.toNanos(200))) {
      heap.observe(percent(95));
      assertThat(heap.high()).isTrue();
      Thread.sleep(300); // an idle heap: no collection to say it emptied
      assertThat(heap.high()).isFalse();
      heap.observe(percent(95));
      assertThat(heap.high()).as("a new collection that finds it full").isTrue();
    }
  }

  @Test
  void offNeverRefuses() {
    try (HeapPressure heap = decisionOnly(0, HeapPressure.STALE_NANOS)) {
      heap.observe(MAX);
      assertThat(heap.high()).isFalse();
    }
  }

  @Test
  void theJvmsCollectionsAreWhatItReadsUntilClosed() throws Exception {
    HeapPressure heap = new HeapPressure(99, new SimpleMeterRegistry());
    try {
      heap.observe(-1);
      for (int i = 0; i < 50 && heap.usedAfterLastGc() == -1; i++) {
        System.gc();
        Thread.sleep(100); // notifications arrive on the JVM's notification thread
      }
      assertThat(heap.usedAfterLastGc()).as("heap in use after a real collection").isPositive().isLessThan(MAX);
    } finally {
      heap.close();
    }
    heap.observe(-1);
    System.gc();
    Thread.sleep(500);
    assertThat(heap.usedAfterLastGc()).as("no longer listening once closed").isEqualTo(-1);
  }

  @Test
  void underPressureWritesGet503AndReadsStillPass(Vertx vertx) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Admission admission = new Admission(100, 1 << 20, 1 << 16, decisionOnly(85, HeapPressure.STALE_NANOS), registry);
    HttpServer server = RunningService.await(vertx.createHttpServer().requestHandler(request -> {
      long admitted = admission.tryAdmit(request);
      if (admitted < 0) {
        request.response().setStatusCode(503).end();
        return;
      }
      request.body().onComplete(body -> {
        admission.release(admitted);
        request.response().end();
      });
    }).listen(0, "127.0.0.1"));
    WebClient client = WebClient.create(vertx);
    try {
      int port = server.actualPort();
      admission.heap().observe(percent(90));
      assertThat(RunningService.await(client.post(port, "127.0.0.1", "/config")
          .sendBuffer(Buffer.buffer("{\"key\":\"a\",\"value\":1}"))).statusCode()).isEqualTo(503);
      assertThat(RunningService.await(client.get(port, "127.0.0.1", "/config/a").send()).statusCode())
          .as("a request without a body").isEqualTo(200);
      assertThat(registry.get("config.http.shed").counter().count()).isEqualTo(1);
      admission.heap().observe(percent(60));
      assertThat(RunningService.await(client.post(port, "127.0.0.1", "/config")
          .sendBuffer(Buffer.buffer("{\"key\":\"a\",\"value\":1}"))).statusCode()).isEqualTo(200);
    } finally {
      client.close();
      admission.close();
      RunningService.await(server.close());
    }
  }
}
