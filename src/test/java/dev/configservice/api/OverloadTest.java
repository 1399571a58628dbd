package dev.configservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.dynalite.Dynalite;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Beyond MAX_IN_FLIGHT requests, or MAX_IN_FLIGHT_BYTES of request bodies, requests are answered 503 with
 * Retry-After at once instead of queueing.
 */
class OverloadTest {

  @Test
  void bodiesBeyondTheInFlightByteBoundAreShedAtOnceAndTheAdmittedOnesComplete() throws Exception {
    String big = "v".repeat(15_000);
    try (Dynalite dynalite = Dynalite.startInMemory();
         RunningService service = RunningService.start(Map.of("STORE", "dynamodb",
             "DYNAMODB_ENDPOINT", dynalite.endpoint().toString(), "CREATE_TABLE", "true",
             "DYNAMODB_TABLE", "bytes-test", "AWS_REGION", "us-east-1", "MAX_IN_FLIGHT_BYTES", "40k",
             "SHED_WRITE_LATENCY", "off", "STORE_TIMEOUT", "20s", "DYNAMODB_API_TIMEOUT", "9s"))) {
      // A single body larger than the bound is admitted when nothing else is in flight.
      assertThat(service.post("bytes/alone", "v".repeat(60_000)).statusCode()).isEqualTo(201);

      dynalite.pause(); // writes now wait in flight, holding their bodies
      List<Future<HttpResponse<Buffer>>> held = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        held.add(post(service, "bytes/held" + i, big));
      }
      awaitGauge(service, 30_000);
      long start = System.nanoTime();
      HttpResponse<Buffer> refused = RunningService.await(post(service, "bytes/refused", big));
      long refusedMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
      assertThat(refusedMs).as("ms to refuse").isLessThan(2_000);
      // A small write still fits beside them.
      Future<HttpResponse<Buffer>> small = post(service, "bytes/small", "s");
      dynalite.resume();

      for (Future<HttpResponse<Buffer>> write : held) {
        assertThat(RunningService.await(write).statusCode()).isEqualTo(201);
      }
      assertThat(RunningService.await(small).statusCode()).isEqualTo(201);
      assertThat(service.get("bytes/refused").statusCode()).as("a shed write changed nothing").isEqualTo(404);
      assertThat(service.send(service.client.get("/metrics")).bodyAsString())
          .contains("config_http_inflight_body_bytes 0.0").containsPattern("config_http_shed_total [1-9]");
    }
  }

  private static Future<HttpResponse<Buffer>> post(RunningService service, String key, String value) {
    return service.client.post("/config").putHeader("Content-Type", "application/json").timeout(30_000)
        .sendBuffer(new JsonObject().put("key", key).put("value", value).toBuffer());
  }

  /** Waits until at least {@code bytes} of request bodies are in flight. */
  private static void awaitGauge(RunningService service, long bytes) throws Exception {
    Pattern gauge = Pattern.compile("(?m)^config_http_inflight_body_bytes ([0-9.E]+)$");
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      Matcher m = gauge.matcher(service.send(service.client.get("/metrics")).bodyAsString());
      if (m.find() && Double.parseDouble(m.group(1)) >= bytes) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("request bodies never reached " + bytes + " bytes in flight");
  }

  @Test
  void excessRequestsAreShedWithRetryAfterWhileHealthStillAnswers() throws Exception {
    try (RunningService service = RunningService.start(Map.of("DATA_DIR", Files.createTempDirectory("overload").toString(),
        "MAX_IN_FLIGHT", "2"))) {
      List<Future<HttpResponse<Buffer>>> burst = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        burst.add(service.client.post("/config").putHeader("Content-Type", "application/json").timeout(15_000)
            .sendBuffer(Buffer.buffer("{\"key\":\"burst/k" + i + "\",\"value\":" + i + "}")));
      }
      RunningService.await(Future.join(burst).otherwiseEmpty());
      List<HttpResponse<Buffer>> answers = burst.stream().map(Future::result).toList();
      List<HttpResponse<Buffer>> shed = answers.stream().filter(r -> r.statusCode() == 503).toList();
      List<HttpResponse<Buffer>> done = answers.stream().filter(r -> r.statusCode() == 201).toList();

      assertThat(shed).isNotEmpty();
      assertThat(done).isNotEmpty();
      assertThat(shed.size() + done.size()).isEqualTo(60);
      assertThat(shed).allSatisfy(r -> {
        assertThat(r.getHeader("Retry-After")).isEqualTo("1");
        assertThat(r.getHeader("Content-Type")).isEqualTo("application/problem+json");
        assertThat(r.bodyAsJsonObject().getInteger("status")).isEqualTo(503);
      });
      // A shed write changed nothing; an acknowledged one is there.
      for (int i = 0; i < 60; i++) {
        int status = answers.get(i).statusCode();
        assertThat(service.get("burst/k" + i).statusCode()).isEqualTo(status == 201 ? 200 : 404);
      }
      assertThat(service.send(service.client.get("/health/ready")).statusCode()).isEqualTo(200);
      assertThat(service.send(service.client.get("/metrics")).bodyAsString())
          .containsPattern("config_http_shed_total [1-9]");
    }
  }
}
