package dev.configservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.dynalite.Dynalite;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * GETs of one key that miss the cache together share the store read in progress on their event loop, against
 * dynalite (a real DynamoDB protocol server) and a real HTTP client with a hundred connections. With the cache off
 * every GET misses; without sharing the store would see exactly one GetItem per GET.
 */
class ReadCoalescingTest {

  private static final int READERS = 100;

  @Test
  void concurrentMissesOfOneKeyShareStoreReadsAndAllGetTheValue() throws Exception {
    try (Dynalite dynalite = Dynalite.startInMemory();
         RunningService service = RunningService.start(Map.of("STORE", "dynamodb",
             "DYNAMODB_ENDPOINT", dynalite.endpoint().toString(), "CREATE_TABLE", "true",
             "DYNAMODB_TABLE", "coalescing-test", "AWS_REGION", "us-east-1", "CACHE_MAX_ENTRIES", "0"))) {
      assertThat(service.post("hot/key", Map.of("flag", true)).statusCode()).isEqualTo(201);
      long before = storeGets(service);

      WebClient wide = WebClient.create(service.clientVertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(service.port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(READERS));
      List<Future<HttpResponse<Buffer>>> reads = new ArrayList<>();
      for (int i = 0; i < READERS; i++) {
        reads.add(wide.get("/config/hot/key").timeout(15_000).send());
      }
      RunningService.await(Future.all(reads));

      for (Future<HttpResponse<Buffer>> read : reads) {
        assertThat(read.result().statusCode()).isEqualTo(200);
        assertThat(read.result().bodyAsJsonObject().getJsonObject("value").getBoolean("flag")).isTrue();
        assertThat(read.result().getHeader("ETag")).isEqualTo("\"1\"");
      }
      long gets = storeGets(service) - before;
      assertThat(gets).as("store reads for %d concurrent GETs", READERS).isPositive().isLessThan(READERS);
    }
  }

  @Test
  void aBurstOfMissesOfManyKeysGoesToTheStoreInFewCallsAndEachGetsItsOwnValue() throws Exception {
    int keys = 300;
    try (Dynalite dynalite = Dynalite.startInMemory();
         RunningService service = RunningService.start(Map.of("STORE", "dynamodb",
             "DYNAMODB_ENDPOINT", dynalite.endpoint().toString(), "CREATE_TABLE", "true",
             "DYNAMODB_TABLE", "burst-test", "AWS_REGION", "us-east-1", "CACHE_MAX_ENTRIES", "0"))) {
      // Written twenty at a time and each write checked: dynalite takes some hundreds of writes a second, and on a
      // slow machine 300 at once can outlast the store timeout (504), which would leave keys unwritten.
      for (int from = 0; from < keys; from += 20) {
        List<Future<HttpResponse<Buffer>>> writes = new ArrayList<>();
        for (int i = from; i < from + 20; i++) {
          writes.add(service.client.post("/config").sendJson(Map.of("key", "burst/k" + i, "value", i)));
        }
        RunningService.await(Future.all(writes));
        for (Future<HttpResponse<Buffer>> write : writes) {
          assertThat(write.result().statusCode()).as("write of a key").isEqualTo(201);
        }
      }
      long before = storeGets(service) + storeCalls(service, "get_many");

      WebClient wide = WebClient.create(service.clientVertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(service.port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(READERS));
      List<Future<HttpResponse<Buffer>>> reads = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        reads.add(wide.get("/config/burst/k" + i).timeout(15_000).send());
      }
      reads.add(wide.get("/config/burst/never-written").timeout(15_000).send());
      RunningService.await(Future.join(reads));

      for (int i = 0; i < keys; i++) {
        assertThat(reads.get(i).result().statusCode()).isEqualTo(200);
        assertThat(reads.get(i).result().bodyAsJsonObject().getInteger("value")).isEqualTo(i);
      }
      assertThat(reads.get(keys).result().statusCode()).isEqualTo(404);
      long calls = storeGets(service) + storeCalls(service, "get_many") - before;
      System.out.printf("burst of misses: %d keys read with %d store calls%n", keys + 1, calls);
      // One GetItem per key without gathering; at most four alone per event loop, then batches as they come.
      assertThat(calls).as("store calls for %d GETs of different keys", keys + 1).isPositive().isLessThan(keys / 3);
    }
  }

  private static long storeCalls(RunningService service, String operation) throws Exception {
    String metrics = service.send(service.client.get("/metrics")).bodyAsString();
    Matcher m = Pattern.compile("config_store_call_seconds_count\\{operation=\"" + operation
        + "\",outcome=\"success\"[^}]*} ([0-9.E]+)").matcher(metrics);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }

  /** Successful store get calls so far, from the service's own /metrics. */
  private static long storeGets(RunningService service) throws Exception {
    String metrics = service.send(service.client.get("/metrics")).bodyAsString();
    Matcher m = Pattern.compile("config_store_call_seconds_count\\{operation=\"get\",outcome=\"success\"[^}]*} ([0-9.E]+)")
        .matcher(metrics);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }
}
