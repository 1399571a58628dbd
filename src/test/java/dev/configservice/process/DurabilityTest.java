package dev.configservice.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An acknowledged write is never lost: writes are acknowledged, the server process is killed with SIGKILL
 * (no shutdown hook runs), and a new process on the same data directory still has every acknowledged write.
 * SIGTERM, in turn, drains: the process exits on its own and keeps everything it acknowledged.
 */
class DurabilityTest {

  @TempDir
  Path dataDir;

  @TempDir
  Path logs;

  @Test
  void acknowledgedWritesSurviveSigkill() throws Exception {
    acknowledgedWritesSurviveSigkill(Map.of());
  }

  @Test
  void acknowledgedWritesSurviveSigkillWithProcessDurability() throws Exception {
    acknowledgedWritesSurviveSigkill(Map.of("DURABILITY", "process"));
  }

  private void acknowledgedWritesSurviveSigkill(Map<String, String> settings) throws Exception {
    int port = ForkedService.freePort();
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    try (ForkedService first = ForkedService.start(dataDir, port, settings, logs.resolve("first.log"))) {
      List<CompletableFuture<HttpResponse<String>>> writes = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        String key = "durable/k" + (i % 100);
        writes.add(first.http.sendAsync(first.post(key, "{\"n\":" + i + "}"), HttpResponse.BodyHandlers.ofString())
            .whenComplete((response, failure) -> {
              if (failure == null && response.statusCode() / 100 == 2) {
                long version = new JsonObject(response.body()).getLong("version");
                acknowledged.merge(key, version, Math::max);
              }
            }));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      // Killed the moment the last acknowledgement arrived: nothing gets a chance to flush.
      first.process.destroyForcibly();
      assertThat(first.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(acknowledged).hasSize(100);

    try (ForkedService second = ForkedService.start(dataDir, port, Map.of(), logs.resolve("second.log"))) {
      for (Map.Entry<String, Long> write : acknowledged.entrySet()) {
        HttpResponse<String> read = second.get("/config/" + write.getKey());
        assertThat(read.statusCode()).as("%s after restart", write.getKey()).isEqualTo(200);
        assertThat(new JsonObject(read.body()).getLong("version")).as("version of %s", write.getKey())
            .isGreaterThanOrEqualTo(write.getValue());
      }
    }
  }

  @Test
  void sigtermDrainsAndExitsKeepingAcknowledgedWrites() throws Exception {
    int port = ForkedService.freePort();
    List<String> acknowledged = new ArrayList<>();
    try (ForkedService service = ForkedService.start(dataDir, port, Map.of("SHUTDOWN_TIMEOUT", "5s"),
        logs.resolve("term.log"))) {
      List<CompletableFuture<HttpResponse<String>>> writes = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        writes.add(service.http.sendAsync(service.post("term/k" + i, Integer.toString(i)), HttpResponse.BodyHandlers.ofString()));
      }
      Thread.sleep(20);
      service.process.destroy(); // SIGTERM
      assertThat(service.process.waitFor(20, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      for (int i = 0; i < writes.size(); i++) {
        try {
          HttpResponse<String> r = writes.get(i).get(10, TimeUnit.SECONDS);
          if (r.statusCode() / 100 == 2) {
            acknowledged.add("term/k" + i);
          }
        } catch (Exception refusedOrClosed) {
          // a request that arrived after the listener closed is refused, never half-done
        }
      }
      String log = Files.readString(logs.resolve("term.log"));
      assertThat(log).contains("shutting down").contains("embedded store closed").contains("shut down");
    }
    try (ForkedService again = ForkedService.start(dataDir, port, Map.of(), logs.resolve("again.log"))) {
      for (String key : acknowledged) {
        assertThat(again.get("/config/" + key).statusCode()).as(key).isEqualTo(200);
      }
    }
  }
}
