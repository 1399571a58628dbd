package dev.configservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.dynalite.Dynalite;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * A store that stops answering while writes keep coming (dynalite frozen with SIGSTOP: connections open,
 * nothing answered). Without the adaptive write limit every write waits for the store timeout and answers
 * 504; with it, once the first timeouts show the store is not keeping up, the writes beyond the limit are
 * refused at once with 503 "overloaded", change nothing, and writes succeed again when the store answers.
 */
class StoreOverloadTest {

  private static final int WRITERS = 32;

  record Answer(String key, int status, String type, String retryAfter, long millis) {
  }

  @Test
  void writesBeyondTheAdaptiveLimitAreRefusedAtOnceWhileTheStoreHangs() throws Exception {
    try (Dynalite dynalite = Dynalite.startInMemory();
         RunningService service = RunningService.start(Map.of("STORE", "dynamodb",
             "DYNAMODB_ENDPOINT", dynalite.endpoint().toString(), "CREATE_TABLE", "true",
             "DYNAMODB_TABLE", "store-overload-test", "STORE_TIMEOUT", "6s",
             "DYNAMODB_API_TIMEOUT", "2s", "DYNAMODB_ATTEMPT_TIMEOUT", "1s"))) {
      for (int i = 0; i < 20; i++) {
        assertThat(service.post("warm/k" + i, i).statusCode()).isEqualTo(201);
      }

      dynalite.pause();
      ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
      long end = System.currentTimeMillis() + 6_000;
      List<Future<Void>> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        writers.add(writeUntil(service, "hang/w" + w + "/n", 0, end, answers));
      }
      RunningService.await(Future.join(writers));
      dynalite.resume();

      List<Answer> shed = answers.stream().filter(a -> a.status() == 503).toList();
      List<Answer> timedOut = answers.stream().filter(a -> a.status() == 504).toList();
      System.out.printf("store frozen for 6 s under %d writers: %d answers, %d refused at once (503), %d timed out "
              + "(504), slowest 503 %d ms%n", WRITERS, answers.size(), shed.size(), timedOut.size(),
          shed.stream().mapToLong(Answer::millis).max().orElse(0));
      assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.key()).isIn(503, 504));
      assertThat(timedOut).as("the first writes wait for the store and time out").isNotEmpty();
      assertThat(shed.size()).as("most of the excess is refused rather than left to time out")
          .isGreaterThan(4 * timedOut.size());
      assertThat(shed).allSatisfy(a -> {
        assertThat(a.type()).endsWith("/overloaded");
        assertThat(a.retryAfter()).isEqualTo("1");
        // "at once": well before the 2 s the store is given (generous for a busy test machine)
        assertThat(a.millis()).as(a.key()).isLessThan(1_000);
      });

      // A refused write changed nothing, even once the store has the writes it was holding.
      for (Answer a : shed.subList(0, Math.min(200, shed.size()))) {
        assertThat(service.get(a.key()).statusCode()).as(a.key()).isEqualTo(404);
      }
      // Writes succeed again without a restart: the limit grows back with healthy latencies.
      long recoverBy = System.currentTimeMillis() + 20_000;
      int round = 0;
      boolean recovered = false;
      while (!recovered && System.currentTimeMillis() < recoverBy) {
        List<Future<HttpResponse<Buffer>>> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          batch.add(post(service, "after/r" + round + "/k" + i, i));
        }
        RunningService.await(Future.join(batch).otherwiseEmpty());
        recovered = batch.stream().allMatch(f -> f.succeeded() && f.result().statusCode() == 201);
        round++;
      }
      assertThat(recovered).as("8 concurrent writes all succeed again within 20 s of the store answering").isTrue();
      for (int i = 0; i < 20; i++) {
        assertThat(service.get("warm/k" + i).bodyAsJsonObject().getInteger("value")).isEqualTo(i);
      }
      String metrics = service.send(service.client.get("/metrics")).bodyAsString();
      assertThat(metrics).containsPattern("(?m)^config_store_shed_total [1-9]")
          .containsPattern("(?m)^config_store_write_limit [0-9]");
    }
  }

  private static Future<HttpResponse<Buffer>> post(RunningService service, String key, Object value) {
    return service.client.post("/config").putHeader("Content-Type", "application/json").timeout(30_000)
        .sendBuffer(new JsonObject().put("key", key).put("value", value).toBuffer());
  }

  /** One writer: a new key per request, a 20 ms pause between answers, until {@code end}. */
  private static Future<Void> writeUntil(RunningService service, String prefix, int n, long end,
                                         ConcurrentLinkedQueue<Answer> answers) {
    if (System.currentTimeMillis() > end) {
      return Future.succeededFuture();
    }
    String key = prefix + n;
    long start = System.nanoTime();
    return post(service, key, n).compose(r -> {
      long millis = (System.nanoTime() - start) / 1_000_000;
      String type = r.statusCode() >= 400 ? r.bodyAsJsonObject().getString("type", "") : "";
      answers.add(new Answer(key, r.statusCode(), type, r.getHeader("Retry-After"), millis));
      return service.clientVertx.timer(20).mapEmpty();
    }).compose(v -> writeUntil(service, prefix, n + 1, end, answers));
  }
}
