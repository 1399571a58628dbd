package dev.configservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Beyond MAX_IN_FLIGHT, requests are answered 503 with Retry-After at once instead of queueing. */
class OverloadTest {

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
