package dev.configservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.domain.ConfigChanged;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP API, row by row and error by error, through a real HTTP client against a running service.
 * Subclasses say which store runs behind it; every test uses its own key prefix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ConfigApiContract {

  protected static final int MAX_VALUE_BYTES = 2048;
  protected RunningService service;
  protected String p;

  /** Settings of the store under test (STORE, DATA_DIR or DynamoDB settings). */
  protected abstract Map<String, String> storeSettings() throws Exception;

  @BeforeAll
  void startService() throws Exception {
    Map<String, String> settings = new java.util.HashMap<>(storeSettings());
    settings.put("MAX_VALUE_BYTES", Integer.toString(MAX_VALUE_BYTES));
    settings.put("MAX_VERSIONS", "10");
    service = RunningService.start(settings);
  }

  @AfterAll
  void stopService() throws Exception {
    if (service != null) {
      service.close();
    }
  }

  @BeforeEach
  void newPrefix() {
    p = "t" + UUID.randomUUID().toString().substring(0, 8) + "/";
  }

  private static void assertProblem(HttpResponse<Buffer> response, int status) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = response.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("type")).isNotBlank();
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
    assertThat(response.bodyAsString()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  // --- POST /config and GET /config/{key}: the seed's API ---

  @Test
  void postCreatesThenReplaces() throws Exception {
    HttpResponse<Buffer> created = service.post(p + "db.url", "jdbc:postgresql://db/app");
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.getHeader("Location")).isEqualTo("/config/" + p + "db.url");
    assertThat(created.getHeader("ETag")).isEqualTo("\"1\"");
    JsonObject body = created.bodyAsJsonObject();
    assertThat(body.getString("key")).isEqualTo(p + "db.url");
    assertThat(body.getString("value")).isEqualTo("jdbc:postgresql://db/app");
    assertThat(body.getLong("version")).isEqualTo(1);
    assertThat(java.time.Instant.parse(body.getString("updatedAt"))).isBeforeOrEqualTo(java.time.Instant.now());

    HttpResponse<Buffer> replaced = service.post(p + "db.url", new JsonObject().put("host", "db2").put("port", 5432));
    assertThat(replaced.statusCode()).isEqualTo(200);
    assertThat(replaced.getHeader("Location")).isNull();
    assertThat(replaced.getHeader("ETag")).isEqualTo("\"2\"");
    assertThat(replaced.bodyAsJsonObject().getJsonObject("value")).isEqualTo(new JsonObject().put("host", "db2").put("port", 5432));
  }

  @Test
  void getReturnsTheCurrentValueWithItsEtag() throws Exception {
    service.post(p + "k", new JsonArray().add(1).add("two").add(true));
    service.post(p + "k", new JsonArray().add(3));

    HttpResponse<Buffer> read = service.get(p + "k");
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(read.getHeader("ETag")).isEqualTo("\"2\"");
    assertThat(read.bodyAsJsonObject().getJsonArray("value")).isEqualTo(new JsonArray().add(3));
    assertThat(read.bodyAsJsonObject().getLong("version")).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"text\"", "42", "-3.5", "true", "false", "[]", "{}", "{\"nested\":{\"a\":[1,{\"b\":null}]}}"})
  void everyKindOfJsonValueRoundTrips(String json) throws Exception {
    HttpResponse<Buffer> written = service.sendJson(service.client.post("/config"),
        "{\"key\":\"" + p + "v\",\"value\":" + json + "}");
    assertThat(written.statusCode()).isEqualTo(201);
    Object expected = new JsonObject("{\"v\":" + json + "}").getValue("v");
    assertThat(service.get(p + "v").bodyAsJsonObject().getValue("value")).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.50", "1e400", "-0", "0.1000000000000000055511151231257827", "12345678901234567890123",
      "[1.0,2E-3]", "{\"b\":1.10,\"a\":null}"})
  void numbersAreKeptExactlyAsSent(String json) throws Exception {
    service.sendJson(service.client.post("/config"), "{ \"key\" : \"" + p + "n\",  \"value\" :  " + json + " }");
    String body = service.get(p + "n").bodyAsString();
    assertThat(body).contains("\"value\":" + json + ",");
  }

  @Test
  void theCacheHoldsWhatIsReadAndWritesKeepItCurrent() throws Exception {
    double before = cacheEntries();
    for (int i = 0; i < 20; i++) {
      assertThat(service.post(p + "w" + i, i).statusCode()).isEqualTo(201);
    }
    assertThat(cacheEntries()).as("keys written, never read").isEqualTo(before);
    HttpResponse<Buffer> first = service.get(p + "w7");
    assertThat(first.bodyAsJsonObject().getInteger("value")).isEqualTo(7);
    assertThat(cacheEntries()).isEqualTo(before + 1);
    // If-None-Match is answered the same whether or not the GET hit the cache.
    assertThat(service.send(service.client.get("/config/" + p + "w8").putHeader("If-None-Match", "\"1\"")).statusCode())
        .isEqualTo(304);

    assertThat(service.post(p + "w7", "changed").statusCode()).isEqualTo(200);
    assertThat(service.get(p + "w7").bodyAsJsonObject().getString("value")).isEqualTo("changed");
    assertThat(service.get(p + "w7").getHeader("ETag")).isEqualTo("\"2\"");
    assertThat(service.send(service.client.delete("/config/" + p + "w7")).statusCode()).isEqualTo(204);
    assertProblem(service.get(p + "w7"), 404);
  }

  private double cacheEntries() throws Exception {
    return sample(service.send(service.client.get("/metrics")).bodyAsString(), "config_cache_entries");
  }

  @Test
  void getOfAnAbsentKeyIs404() throws Exception {
    assertProblem(service.get(p + "absent"), 404);
    assertProblem(service.get(p + "absent"), 404); // second time from the cache's memory of absence
  }

  @Test
  void ifNoneMatchWithTheCurrentEtagIs304WithoutABody() throws Exception {
    service.post(p + "k", "v1");
    HttpResponse<Buffer> notModified = service.send(service.client.get("/config/" + p + "k").putHeader("If-None-Match", "\"1\""));
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.getHeader("ETag")).isEqualTo("\"1\"");
    assertThat(notModified.body() == null || notModified.body().length() == 0).isTrue();

    assertThat(service.send(service.client.get("/config/" + p + "k").putHeader("If-None-Match", "W/\"1\"")).statusCode())
        .isEqualTo(304);
    assertThat(service.send(service.client.get("/config/" + p + "k").putHeader("If-None-Match", "\"7\", \"1\"")).statusCode())
        .isEqualTo(304);
    assertThat(service.send(service.client.get("/config/" + p + "k").putHeader("If-None-Match", "*")).statusCode())
        .isEqualTo(304);
    service.post(p + "k", "v2");
    HttpResponse<Buffer> modified = service.send(service.client.get("/config/" + p + "k").putHeader("If-None-Match", "\"1\""));
    assertThat(modified.statusCode()).isEqualTo(200);
    assertThat(modified.bodyAsJsonObject().getString("value")).isEqualTo("v2");
  }

  @Test
  void getOfAKeyNotYetCachedComesFromTheStore() throws Exception {
    // Written through another instance's path: straight into the store, bypassing this cache.
    service.post(p + "warm", "x");
    assertThat(service.get(p + "warm").statusCode()).isEqualTo(200);
    assertThat(service.send(service.client.get("/config/" + p + "warm?version=1")).bodyAsJsonObject().getString("value"))
        .isEqualTo("x");
  }

  @Test
  void getOfAHistoricalVersion() throws Exception {
    service.post(p + "k", "one");
    service.post(p + "k", "two");

    HttpResponse<Buffer> v1 = service.send(service.client.get("/config/" + p + "k?version=1"));
    assertThat(v1.statusCode()).isEqualTo(200);
    assertThat(v1.getHeader("ETag")).isEqualTo("\"1\"");
    assertThat(v1.bodyAsJsonObject().getString("value")).isEqualTo("one");
    assertProblem(service.send(service.client.get("/config/" + p + "k?version=3")), 404);
    assertProblem(service.send(service.client.get("/config/" + p + "k?version=0")), 400);
    assertProblem(service.send(service.client.get("/config/" + p + "k?version=abc")), 400);
  }

  @Test
  void hierarchicalKeysTakeTheRestOfThePath() throws Exception {
    String key = p + "app/prod/db.url";
    assertThat(service.post(key, "x").statusCode()).isEqualTo(201);
    assertThat(service.get(key).bodyAsJsonObject().getString("key")).isEqualTo(key);
    assertProblem(service.get(p + "app/prod"), 404);
    // Percent-encoded characters in the path are decoded before the key is checked.
    assertThat(service.send(service.client.get("/config/" + p.replace("/", "%2F") + "app%2Fprod%2Fdb.url")).statusCode())
        .isEqualTo(200);
  }

  // --- PUT /config/{key} ---

  @Test
  void putCreatesAndReplaces() throws Exception {
    HttpResponse<Buffer> created = service.sendJson(service.client.put("/config/" + p + "k"), new JsonObject().put("value", 1));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.getHeader("Location")).isEqualTo("/config/" + p + "k");
    assertThat(created.getHeader("ETag")).isEqualTo("\"1\"");
    HttpResponse<Buffer> replaced = service.sendJson(service.client.put("/config/" + p + "k"), new JsonObject().put("value", 2));
    assertThat(replaced.statusCode()).isEqualTo(200);
    assertThat(replaced.bodyAsJsonObject().getLong("version")).isEqualTo(2);
    HttpResponse<Buffer> sameKey = service.sendJson(service.client.put("/config/" + p + "k"),
        new JsonObject().put("key", p + "k").put("value", 3));
    assertThat(sameKey.statusCode()).isEqualTo(200);
  }

  @Test
  void putWithIfMatchWritesOnlyOnTheCurrentVersion() throws Exception {
    service.post(p + "k", "v1");
    HttpResponse<Buffer> ok = service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-Match", "\"1\""),
        new JsonObject().put("value", "v2"));
    assertThat(ok.statusCode()).isEqualTo(200);

    HttpResponse<Buffer> stale = service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-Match", "\"1\""),
        new JsonObject().put("value", "lost"));
    assertProblem(stale, 412);
    assertThat(stale.getHeader("ETag")).isEqualTo("\"2\"");
    assertThat(service.get(p + "k").bodyAsJsonObject().getString("value")).isEqualTo("v2");

    assertProblem(service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-Match", "W/\"2\""),
        new JsonObject().put("value", "weak")), 412);
    assertProblem(service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-Match", "\"not-a-version\""),
        new JsonObject().put("value", "x")), 412);
    assertThat(service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-Match", "*"),
        new JsonObject().put("value", "v3")).statusCode()).isEqualTo(200);
    assertProblem(service.sendJson(service.client.put("/config/" + p + "absent").putHeader("If-Match", "*"),
        new JsonObject().put("value", "x")), 412);
    assertProblem(service.get(p + "absent"), 404);
  }

  @Test
  void putWithIfNoneMatchStarCreatesOnly() throws Exception {
    HttpResponse<Buffer> created = service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-None-Match", "*"),
        new JsonObject().put("value", "first"));
    assertThat(created.statusCode()).isEqualTo(201);
    assertProblem(service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-None-Match", "*"),
        new JsonObject().put("value", "second")), 412);
    assertThat(service.get(p + "k").bodyAsJsonObject().getString("value")).isEqualTo("first");
    assertProblem(service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-None-Match", "\"1\""),
        new JsonObject().put("value", "x")), 400);
    assertProblem(service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-None-Match", "*")
        .putHeader("If-Match", "\"1\""), new JsonObject().put("value", "x")), 400);
    assertProblem(service.sendJson(service.client.put("/config/" + p + "k").putHeader("If-Match", "\"1\", \"2\""),
        new JsonObject().put("value", "x")), 400);
  }

  @Test
  void postHonoursConditionsToo() throws Exception {
    service.post(p + "k", "v1");
    assertProblem(service.sendJson(service.client.post("/config").putHeader("If-Match", "\"9\""),
        new JsonObject().put("key", p + "k").put("value", "x")), 412);
    assertProblem(service.sendJson(service.client.post("/config").putHeader("If-None-Match", "*"),
        new JsonObject().put("key", p + "k").put("value", "x")), 412);
  }

  @Test
  void putWithADifferentKeyInTheBodyIsRefused() throws Exception {
    assertProblem(service.sendJson(service.client.put("/config/" + p + "k"),
        new JsonObject().put("key", p + "other").put("value", 1)), 400);
    assertProblem(service.get(p + "k"), 404);
    assertProblem(service.get(p + "other"), 404);
  }

  // --- DELETE /config/{key} ---

  @Test
  void deleteRemovesTheKeyAndVersionsContinue() throws Exception {
    service.post(p + "k", "v1");
    HttpResponse<Buffer> deleted = service.send(service.client.delete("/config/" + p + "k"));
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(deleted.body() == null || deleted.body().length() == 0).isTrue();
    assertProblem(service.get(p + "k"), 404);
    assertProblem(service.send(service.client.delete("/config/" + p + "k")), 404);

    HttpResponse<Buffer> recreated = service.post(p + "k", "v3");
    assertThat(recreated.statusCode()).isEqualTo(201);
    assertThat(recreated.bodyAsJsonObject().getLong("version")).isEqualTo(3);
  }

  @Test
  void deleteHonoursIfMatch() throws Exception {
    service.post(p + "k", "v1");
    service.post(p + "k", "v2");
    assertProblem(service.send(service.client.delete("/config/" + p + "k").putHeader("If-Match", "\"1\"")), 412);
    assertThat(service.get(p + "k").statusCode()).isEqualTo(200);
    assertThat(service.send(service.client.delete("/config/" + p + "k").putHeader("If-Match", "\"2\"")).statusCode())
        .isEqualTo(204);
    assertProblem(service.send(service.client.delete("/config/" + p + "absent")), 404);
  }

  // --- GET /config?prefix=&limit=&cursor= ---

  @Test
  void listPagesThroughAPrefixInKeyOrder() throws Exception {
    for (String k : List.of("b", "a", "c/d", "c", "e")) {
      service.post(p + k, k);
    }
    service.post(p.substring(0, p.length() - 1) + "x", "outside the prefix");
    service.send(service.client.delete("/config/" + p + "e"));

    List<String> keys = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      var request = service.client.get("/config").addQueryParam("prefix", p).addQueryParam("limit", "2");
      if (cursor != null) {
        request.addQueryParam("cursor", cursor);
      }
      HttpResponse<Buffer> page = service.send(request);
      assertThat(page.statusCode()).isEqualTo(200);
      JsonObject body = page.bodyAsJsonObject();
      for (Object item : body.getJsonArray("items")) {
        JsonObject entry = (JsonObject) item;
        keys.add(entry.getString("key"));
        assertThat(entry.getString("value")).isEqualTo(entry.getString("key").substring(p.length()));
        assertThat(entry.getLong("version")).isEqualTo(1);
        assertThat(entry.getString("updatedAt")).isNotBlank();
      }
      cursor = body.getString("nextCursor");
      assertThat(body.containsKey("nextCursor")).isEqualTo(cursor != null);
      pages++;
    } while (cursor != null && pages < 10);
    assertThat(keys).containsExactly(p + "a", p + "b", p + "c", p + "c/d");
  }

  @Test
  void listDefaultsToAllKeysAndRejectsBadParameters() throws Exception {
    service.post(p + "a", 1);
    HttpResponse<Buffer> all = service.send(service.client.get("/config"));
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.bodyAsJsonObject().getJsonArray("items").size()).isBetween(1, 100);

    assertProblem(service.send(service.client.get("/config?limit=0")), 400);
    assertProblem(service.send(service.client.get("/config?limit=1001")), 400);
    assertProblem(service.send(service.client.get("/config?limit=ten")), 400);
    assertProblem(service.send(service.client.get("/config?prefix=a%20b")), 400);
    assertProblem(service.send(service.client.get("/config?prefix=" + p + "&cursor=!!!")), 400);
    assertProblem(service.send(service.client.get("/config?prefix=" + p + "&cursor=bm90LWEtY3Vyc29y")), 400);
    assertThat(service.send(service.client.get("/config?prefix=" + p + "&limit=1000")).statusCode()).isEqualTo(200);
  }

  // --- GET /history ---

  @Test
  void historyIsNewestFirstWithTombstones() throws Exception {
    service.post(p + "k", "v1");
    service.post(p + "k", "v2");
    service.send(service.client.delete("/config/" + p + "k"));
    service.post(p + "k", "v4");

    HttpResponse<Buffer> first = service.send(service.client.get("/history").addQueryParam("key", p + "k").addQueryParam("limit", "3"));
    assertThat(first.statusCode()).isEqualTo(200);
    JsonArray items = first.bodyAsJsonObject().getJsonArray("items");
    assertThat(items.stream().map(i -> ((JsonObject) i).getLong("version")).toList()).containsExactly(4L, 3L, 2L);
    JsonObject tombstone = items.getJsonObject(1);
    assertThat(tombstone.getBoolean("deleted")).isTrue();
    assertThat(tombstone.containsKey("value")).isTrue();
    assertThat(tombstone.getValue("value")).isNull();
    assertThat(items.getJsonObject(0).getString("value")).isEqualTo("v4");
    assertThat(items.getJsonObject(0).getBoolean("deleted")).isFalse();
    assertThat(items.getJsonObject(0).getString("updatedAt")).isNotBlank();

    String cursor = first.bodyAsJsonObject().getString("nextCursor");
    assertThat(cursor).isNotNull();
    HttpResponse<Buffer> second = service.send(service.client.get("/history").addQueryParam("key", p + "k")
        .addQueryParam("limit", "3").addQueryParam("cursor", cursor));
    assertThat(second.bodyAsJsonObject().getJsonArray("items").stream().map(i -> ((JsonObject) i).getLong("version")).toList())
        .containsExactly(1L);
    assertThat(second.bodyAsJsonObject().containsKey("nextCursor")).isFalse();
  }

  @Test
  void historyIsPrunedToMaxVersions() throws Exception {
    for (int i = 1; i <= 13; i++) {
      service.post(p + "k", i);
    }
    JsonArray items = service.send(service.client.get("/history").addQueryParam("key", p + "k")).bodyAsJsonObject().getJsonArray("items");
    assertThat(items.size()).isEqualTo(10);
    assertThat(items.getJsonObject(0).getLong("version")).isEqualTo(13);
    assertThat(items.getJsonObject(9).getLong("version")).isEqualTo(4);
    assertProblem(service.send(service.client.get("/config/" + p + "k?version=3")), 404);
  }

  @Test
  void historyRejectsBadRequests() throws Exception {
    assertProblem(service.send(service.client.get("/history")), 400);
    assertProblem(service.send(service.client.get("/history?key=/bad")), 400);
    assertProblem(service.send(service.client.get("/history?key=" + p + "never")), 404);
    service.post(p + "k", 1);
    assertProblem(service.send(service.client.get("/history?key=" + p + "k&limit=0")), 400);
    assertProblem(service.send(service.client.get("/history?key=" + p + "k&cursor=xyz")), 400);
  }

  // --- rollback ---

  @Test
  void rollbackWritesAnOldValueAsANewVersion() throws Exception {
    service.post(p + "k", "good");
    service.post(p + "k", "bad");
    HttpResponse<Buffer> rolled = service.sendJson(service.client.post("/rollback"),
        new JsonObject().put("key", p + "k").put("version", 1));
    assertThat(rolled.statusCode()).isEqualTo(200);
    assertThat(rolled.getHeader("ETag")).isEqualTo("\"3\"");
    assertThat(rolled.bodyAsJsonObject().getString("value")).isEqualTo("good");
    assertThat(service.get(p + "k").bodyAsJsonObject().getLong("version")).isEqualTo(3);

    service.send(service.client.delete("/config/" + p + "k"));
    HttpResponse<Buffer> revived = service.sendJson(service.client.post("/rollback"),
        new JsonObject().put("key", p + "k").put("version", 2));
    assertThat(revived.statusCode()).isEqualTo(201);
    assertThat(revived.bodyAsJsonObject().getString("value")).isEqualTo("bad");

    assertProblem(service.sendJson(service.client.post("/rollback"), new JsonObject().put("key", p + "k").put("version", 4)), 404);
    assertProblem(service.sendJson(service.client.post("/rollback"), new JsonObject().put("key", p + "k").put("version", 99)), 404);
    assertProblem(service.sendJson(service.client.post("/rollback").putHeader("If-Match", "\"1\""),
        new JsonObject().put("key", p + "k").put("version", 1)), 412);
    assertProblem(service.sendJson(service.client.post("/rollback"), new JsonObject().put("key", p + "k")), 400);
    assertProblem(service.sendJson(service.client.post("/rollback"), new JsonObject().put("key", p + "k").put("version", "1")), 400);
    assertProblem(service.sendJson(service.client.post("/rollback"), new JsonObject().put("key", p + "k").put("version", 0)), 400);
  }

  // --- bad input: a clear problem, and nothing changes ---

  @ParameterizedTest
  @ValueSource(strings = {"{not json", "[1,2]", "\"just a string\"", "{}", "{\"key\":\"K\"}", "{\"value\":1}",
      "{\"key\":5,\"value\":1}", "{\"key\":\"K\",\"value\":null}", "{\"key\":\"K\",\"value\":1,\"extra\":true}", "",
      "{\"key\":\"K\",\"value\":1,\"value\":2}", "{\"key\":\"K\",\"value\":1} trailing", "{\"key\":\"K\",\"value\":1}{}",
      "{\"key\":\"K\",\"value\":[1,}", "{\"key\":\"K\",\"value\":NaN}"})
  void malformedWritesAre400AndChangeNothing(String body) throws Exception {
    HttpResponse<Buffer> response = service.sendJson(service.client.post("/config"), body.replace("K", p + "k"));
    assertProblem(response, 400);
    assertProblem(service.get(p + "k"), 404);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/lead", "trail/", "a//b", "a/../b", "..", "sp ace", "uni\u00e9", "star*", "q?x", "semi;colon"})
  void badKeysAre400AndChangeNothing(String suffix) throws Exception {
    String key = suffix.startsWith("/") || suffix.equals("..") ? suffix : p + suffix;
    assertProblem(service.post(key, 1), 400);
    assertThat(service.send(service.client.get("/config").addQueryParam("prefix", p)).bodyAsJsonObject()
        .getJsonArray("items")).isEmpty();
  }

  @Test
  void keyLengthIsBoundedAt512() throws Exception {
    String longest = p + "x".repeat(512 - p.length());
    assertThat(service.post(longest, 1).statusCode()).isEqualTo(201);
    assertThat(service.get(longest).statusCode()).isEqualTo(200);
    assertProblem(service.post(longest + "y", 1), 400);
    assertProblem(service.get(longest + "y"), 400);
  }

  @Test
  void badKeysInThePathAre400() throws Exception {
    assertProblem(service.send(service.client.get("/config/" + p + "a/../b")), 400);
    assertProblem(service.send(service.client.get("/config/" + p + "a//b")), 400);
    assertProblem(service.send(service.client.get("/config/" + p + "trail/")), 400);
    assertProblem(service.sendJson(service.client.put("/config/" + p + "a%20b"), new JsonObject().put("value", 1)), 400);
    assertProblem(service.send(service.client.delete("/config/" + p + "bad%zz")), 400);
  }

  @Test
  void wrongContentTypeIs415() throws Exception {
    HttpResponse<Buffer> plain = RunningService.await(service.client.post("/config").putHeader("Content-Type", "text/plain")
        .sendBuffer(Buffer.buffer("{\"key\":\"" + p + "k\",\"value\":1}")));
    assertProblem(plain, 415);
    HttpResponse<Buffer> none = RunningService.await(service.client.put("/config/" + p + "k")
        .sendBuffer(Buffer.buffer("{\"value\":1}")));
    assertProblem(none, 415);
    HttpResponse<Buffer> vendorJson = RunningService.await(service.client.put("/config/" + p + "k")
        .putHeader("Content-Type", "application/merge-patch+json; charset=utf-8").sendBuffer(Buffer.buffer("{\"value\":1}")));
    assertThat(vendorJson.statusCode()).isEqualTo(201);
    assertProblem(service.get(p + "never"), 404);
  }

  @Test
  void bodiesOverTheLimitAre413WithoutBeingRead() throws Exception {
    Buffer huge = Buffer.buffer("{\"key\":\"" + p + "k\",\"value\":\"" + "x".repeat(200_000) + "\"}");
    assertProblem(service.sendJson(service.client.post("/config"), huge), 413);
    assertProblem(service.get(p + "k"), 404);
  }

  @Test
  void aChunkedWriteGetsTheSameAnswersAsOneWithALength() throws Exception {
    // Without a Content-Length a POST goes through the router instead of the direct write path.
    io.vertx.core.http.HttpClient raw = service.clientVertx.createHttpClient();
    try {
      String body = "{\"key\":\"" + p + "chunked\",\"value\":{\"n\":1.50}}";
      io.vertx.core.http.HttpClientResponse created = raw
          .request(io.vertx.core.http.HttpMethod.POST, service.port(), "127.0.0.1", "/config")
          .compose(req -> {
            req.setChunked(true).putHeader("Content-Type", "application/json");
            req.write(body.substring(0, 10));
            return req.end(body.substring(10)).compose(v -> req.response());
          })
          .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(created.statusCode()).isEqualTo(201);
      assertThat(created.getHeader("Location")).isEqualTo("/config/" + p + "chunked");
      assertThat(service.get(p + "chunked").bodyAsString()).contains("\"value\":{\"n\":1.50}");
      // A query string on POST /config also takes the routed path, with the same answer.
      HttpResponse<Buffer> replaced = service.sendJson(service.client.post("/config?x=1"),
          new JsonObject().put("key", p + "chunked").put("value", 2));
      assertThat(replaced.statusCode()).isEqualTo(200);
      assertThat(replaced.bodyAsJsonObject().getLong("version")).isEqualTo(2);
    } finally {
      raw.close();
    }
  }

  @Test
  void valuesOverTheLimitAre413() throws Exception {
    String atLimit = "x".repeat(MAX_VALUE_BYTES - 2);
    assertThat(service.post(p + "k", atLimit).statusCode()).isEqualTo(201);
    assertProblem(service.post(p + "k", atLimit + "x"), 413);
    assertThat(service.get(p + "k").bodyAsJsonObject().getLong("version")).isEqualTo(1);
  }

  @Test
  void unknownPathsAre404AndWrongMethodsAre405() throws Exception {
    assertProblem(service.send(service.client.get("/nope")), 404);
    HttpResponse<Buffer> patch = service.send(service.client.request(HttpMethod.PATCH, "/config/" + p + "k"));
    assertProblem(patch, 405);
    assertThat(patch.getHeader("Allow")).isEqualTo("GET, PUT, DELETE");
    HttpResponse<Buffer> deleteAll = service.send(service.client.delete("/config"));
    assertProblem(deleteAll, 405);
    assertThat(deleteAll.getHeader("Allow")).isEqualTo("GET, POST");
    assertProblem(service.send(service.client.get("/rollback")), 405);
    assertProblem(service.send(service.client.post("/history")), 405);
  }

  // --- consistency and events ---

  @Test
  void readsSeeThisInstancesCompletedWrites() throws Exception {
    for (int i = 1; i <= 60; i++) {
      HttpResponse<Buffer> written = service.post(p + "ryw", i);
      long version = written.bodyAsJsonObject().getLong("version");
      HttpResponse<Buffer> read = service.get(p + "ryw");
      assertThat(read.bodyAsJsonObject().getLong("version")).isEqualTo(version);
      assertThat(read.bodyAsJsonObject().getInteger("value")).isEqualTo(i);
    }
    service.send(service.client.delete("/config/" + p + "ryw"));
    assertProblem(service.get(p + "ryw"), 404);
  }

  @Test
  void everyChangeIsPublishedOnTheEventBus() throws Exception {
    List<ConfigChanged> events = new CopyOnWriteArrayList<>();
    var consumer = service.app.vertx().eventBus().<ConfigChanged>consumer(ConfigChanged.ADDRESS, m -> {
      if (m.body().entry().key().value().startsWith(p)) {
        events.add(m.body());
      }
    });
    RunningService.await(consumer.completion());
    try {
      service.post(p + "e", "one");
      service.sendJson(service.client.put("/config/" + p + "e"), new JsonObject().put("value", "two"));
      service.send(service.client.delete("/config/" + p + "e"));
      service.post(p + "e", "bad").statusCode();
      service.sendJson(service.client.put("/config/" + p + "e").putHeader("If-Match", "\"1\""), new JsonObject().put("value", "x"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (events.size() < 4 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(events).extracting(e -> e.entry().version()).containsExactly(1L, 2L, 3L, 4L);
      assertThat(events.get(2).entry().deleted()).isTrue();
      assertThat(events.get(1).entry().valueJson()).isEqualTo("\"two\"");
    } finally {
      RunningService.await(consumer.unregister());
    }
  }

  @Test
  void concurrentConditionalUpdatesHaveOneWinnerPerVersion() throws Exception {
    service.post(p + "race", 0);
    int clients = 50;
    for (int round = 1; round <= 3; round++) {
      String etag = "\"" + round + "\"";
      List<Future<HttpResponse<Buffer>>> attempts = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        attempts.add(service.client.put("/config/" + p + "race").putHeader("If-Match", etag)
            .putHeader("Content-Type", "application/json").timeout(15_000)
            .sendBuffer(Buffer.buffer("{\"value\":" + c + "}")));
      }
      RunningService.await(Future.join(attempts).otherwiseEmpty());
      long wins = attempts.stream().filter(f -> f.succeeded() && f.result().statusCode() == 200).count();
      long conflicts = attempts.stream().filter(f -> f.succeeded() && f.result().statusCode() == 412).count();
      assertThat(wins).isEqualTo(1);
      assertThat(conflicts).isEqualTo(clients - 1);
    }
    JsonArray history = service.send(service.client.get("/history?key=" + p + "race")).bodyAsJsonObject().getJsonArray("items");
    assertThat(history.stream().map(i -> ((JsonObject) i).getLong("version")).toList()).containsExactly(4L, 3L, 2L, 1L);
  }

  // --- operations ---

  @Test
  void healthEndpoints() throws Exception {
    HttpResponse<Buffer> live = service.send(service.client.get("/health/live"));
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    HttpResponse<Buffer> ready = service.send(service.client.get("/health/ready"));
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getJsonObject("store").getString("status")).isEqualTo("UP");
  }

  @Test
  void metricsArePrometheusTextByRoute() throws Exception {
    service.post(p + "m", 1);
    service.get(p + "m");
    service.get(p + "m-absent");
    HttpResponse<Buffer> metrics = service.send(service.client.get("/metrics"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.getHeader("Content-Type")).startsWith("text/plain");
    String text = metrics.bodyAsString();
    assertThat(text).contains("vertx_http_server_requests_total{code=\"200\",method=\"GET\",route=\"/config/{key}\"}");
    assertThat(text).contains("vertx_http_server_requests_total{code=\"201\",method=\"POST\",route=\"/config\"}");
    assertThat(text).doesNotContain("route=\"/config/" + p);
    assertThat(text).contains("vertx_http_server_response_time_seconds_bucket");
    // Every answered request is counted once and timed once, under the same labels; none is left active.
    String labels = "{code=\"201\",method=\"POST\",route=\"/config\"}";
    assertThat(sample(text, "vertx_http_server_requests_total" + labels)).isPositive()
        .isEqualTo(sample(text, "vertx_http_server_response_time_seconds_count" + labels));
    assertThat(sample(text, "vertx_http_server_active_requests{method=\"POST\"}")).isZero();
    assertThat(text).contains("# HELP vertx_http_server_requests_total Number of processed requests");
    assertThat(text).contains("config_store_call_seconds_count{operation=\"put\",outcome=\"success\"}");
    assertThat(text).contains("config_store_call_seconds_bucket");
    assertThat(text).contains("config_cache_hits_total").contains("config_cache_misses_total").contains("config_cache_entries");
    assertThat(text).contains("config_http_shed_total").contains("config_store_ready 1.0");
    assertThat(text).containsPattern("vertx_eventbus_published_total\\{address=\"config.changed\",side=\"local\"} [1-9]");
    assertThat(text).contains("jvm_memory_used_bytes");
  }

  /** The value of one Prometheus sample line, {@code name{labels} value}. */
  private static double sample(String text, String nameAndLabels) {
    return text.lines().filter(l -> l.startsWith(nameAndLabels + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(nameAndLabels.length() + 1).trim()))
        .orElseThrow(() -> new AssertionError("no sample " + nameAndLabels));
  }
}
