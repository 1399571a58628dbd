package dev.configservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.dynalite.Dynalite;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store goes away under load and comes back: every request is answered within the timeout (no hang),
 * readiness goes false and recovers by itself, and no acknowledged write is lost.
 */
class DynamoDbFaultTest {

  private static final long ANSWER_BOUND_MS = 14_000; // STORE_TIMEOUT below, plus slack for a loaded machine

  @TempDir
  Path dynaliteData;

  @Test
  void storeOutageUnderLoadIsAnsweredAndRecovered() throws Exception {
    try (Dynalite dynalite = Dynalite.startOnDisk(dynaliteData);
         RunningService service = RunningService.start(Map.of("STORE", "dynamodb",
             "DYNAMODB_ENDPOINT", dynalite.endpoint().toString(), "CREATE_TABLE", "true",
             "DYNAMODB_TABLE", "fault-test", "READY_INTERVAL", "200ms", "STORE_TIMEOUT", "10s",
             "DYNAMODB_API_TIMEOUT", "4s", "DYNAMODB_ATTEMPT_TIMEOUT", "2s", "CACHE_TTL", "100ms"))) {
      Map<String, Long> acknowledged = new ConcurrentHashMap<>();
      AtomicLong slowest = new AtomicLong();
      AtomicInteger answered = new AtomicInteger();
      AtomicInteger unavailable = new AtomicInteger();
      List<Future<Void>> loops = new ArrayList<>();
      long end = System.currentTimeMillis() + 9_000;
      for (int c = 0; c < 8; c++) {
        loops.add(loop(service, "fault/k" + c, end, acknowledged, slowest, answered, unavailable));
      }

      Thread.sleep(2_000);
      dynalite.stop();
      assertThat(awaitReady(service, 503, 10_000)).as("ready turns DOWN while the store is down").isTrue();
      Thread.sleep(1_500);
      dynalite.restart();
      long restarted = System.nanoTime();
      assertThat(awaitReady(service, 200, 15_000)).as("ready recovers by itself").isTrue();
      long recoveryMs = (System.nanoTime() - restarted) / 1_000_000;

      RunningService.await(Future.join(loops));
      System.out.printf("fault test: %d answers, %d unavailable (503/504), %d keys acknowledged, slowest %d ms, "
          + "ready again %d ms after the store restarted%n", answered.get(), unavailable.get(), acknowledged.size(),
          slowest.get(), recoveryMs);
      assertThat(slowest.get()).as("slowest answer (ms)").isLessThan(ANSWER_BOUND_MS);
      assertThat(unavailable.get()).as("requests answered 503/504 during the outage").isPositive();
      assertThat(recoveryMs).as("recovery after restart (ms)").isLessThan(15_000);

      for (Map.Entry<String, Long> write : acknowledged.entrySet()) {
        HttpResponse<Buffer> read = service.get(write.getKey());
        assertThat(read.statusCode()).as(write.getKey()).isEqualTo(200);
        assertThat(read.bodyAsJsonObject().getLong("version")).as(write.getKey()).isGreaterThanOrEqualTo(write.getValue());
      }
      assertThat(acknowledged).isNotEmpty();
    }
  }

  /** Writes then reads one key until {@code end}, recording acknowledged versions and the slowest answer. */
  private static Future<Void> loop(RunningService service, String key, long end, Map<String, Long> acknowledged,
                                   AtomicLong slowest, AtomicInteger answered, AtomicInteger unavailable) {
    if (System.currentTimeMillis() > end) {
      return Future.succeededFuture();
    }
    long start = System.nanoTime();
    return service.client.post("/config").putHeader("Content-Type", "application/json").timeout(30_000)
        .sendBuffer(new JsonObject().put("key", key).put("value", start).toBuffer())
        .compose(response -> {
          slowest.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
          answered.incrementAndGet();
          if (response.statusCode() / 100 == 2) {
            acknowledged.merge(key, response.bodyAsJsonObject().getLong("version"), Math::max);
          } else if (response.statusCode() == 503 || response.statusCode() == 504) {
            unavailable.incrementAndGet();
          } else {
            return Future.failedFuture("unexpected status " + response.statusCode() + ": " + response.bodyAsString());
          }
          long readStart = System.nanoTime();
          return service.client.get("/config/" + key).timeout(30_000).send().map(read -> {
            slowest.accumulateAndGet((System.nanoTime() - readStart) / 1_000_000, Math::max);
            return (Void) null;
          });
        })
        .compose(v -> vertxDelay(service, 20))
        .compose(v -> loop(service, key, end, acknowledged, slowest, answered, unavailable));
  }

  private static Future<Void> vertxDelay(RunningService service, long ms) {
    return service.clientVertx.timer(ms).mapEmpty();
  }

  private static boolean awaitReady(RunningService service, int status, long withinMs) throws Exception {
    long deadline = System.currentTimeMillis() + withinMs;
    while (System.currentTimeMillis() < deadline) {
      if (service.send(service.client.get("/health/ready")).statusCode() == status) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }
}
