package dev.configservice.store.dynamodb;

import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.PutResult;
import dev.configservice.dynalite.Dynalite;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DynamoDbProbeTmpTest {
  @Test
  void probe() throws Exception {
    
    try (Dynalite d = Dynalite.startInMemory()) {
      Vertx vertx = Vertx.vertx();
      DynamoDbConfigStore store = TestStores.open(vertx, d, 1000, new SimpleMeterRegistry(), Duration.ofSeconds(30), Duration.ofSeconds(15)).toCompletionStage().toCompletableFuture().get();
      store.put(ConfigKey.of("x"), "1", Precondition.NONE).toCompletionStage().toCompletableFuture().get();
      for (int round = 0; round < 25; round++) {
        long v = store.get(ConfigKey.of("x")).toCompletionStage().toCompletableFuture().get().get().version();
        long t0 = System.nanoTime();
        List<Future<PutResult>> fs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          fs.add(store.put(ConfigKey.of("x"), "1", Precondition.versionIs(v)));
        }
        Future.join(fs).otherwiseEmpty().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (Future<PutResult> f : fs) {
          String k = f.succeeded() ? "ok" : f.cause().getClass().getSimpleName() + ":" + String.valueOf(f.cause().getMessage()).substring(0, Math.min(80, String.valueOf(f.cause().getMessage()).length()));
          outcomes.merge(k, 1, Integer::sum);
          if (f.failed() && !(f.cause() instanceof dev.configservice.domain.PreconditionFailedException)) {
            Throwable c = f.cause();
            while (c != null) { System.out.println("CAUSE " + c + " suppressed=" + java.util.Arrays.toString(c.getSuppressed())); c = c.getCause(); }
          }
        }
        System.out.printf("round %d: %.0f ms %s%n", round, (System.nanoTime() - t0) / 1e6, outcomes);
      }
      store.close().toCompletionStage().toCompletableFuture().get();
      vertx.close();
    }
  }
}
