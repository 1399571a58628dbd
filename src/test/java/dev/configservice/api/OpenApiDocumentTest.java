package dev.configservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI document served at /openapi.yaml describes the running server: every documented operation answers
 * with one of its documented statuses, every method it does not document answers 405, and documented required
 * fields are present in real answers.
 */
class OpenApiDocumentTest {

  private static RunningService service;
  private static Map<String, Object> document;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void start() throws Exception {
    service = RunningService.start(Map.of("DATA_DIR", Files.createTempDirectory("openapi").toString()));
    HttpResponse<Buffer> served = service.send(service.client.get("/openapi.yaml"));
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.getHeader("Content-Type")).isEqualTo("application/yaml");
    document = new Yaml().load(served.bodyAsString());
    service.post("doc/key", "v1");
    service.post("doc/key", "v2");
  }

  @AfterAll
  static void stop() throws Exception {
    service.close();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> paths() {
    return (Map<String, Object>) document.get("paths");
  }

  @Test
  void isOpenApi3WithEveryRouteOfTheApi() {
    assertThat((String) document.get("openapi")).startsWith("3.");
    assertThat(paths()).containsOnlyKeys("/config", "/config/{key}", "/history", "/rollback", "/health/live",
        "/health/ready", "/metrics", "/openapi.yaml");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyDocumentedOperationAnswersADocumentedStatusAndOthersAre405() throws Exception {
    for (Map.Entry<String, Object> path : paths().entrySet()) {
      Map<String, Object> operations = (Map<String, Object>) path.getValue();
      for (String method : List.of("get", "post", "put", "delete", "patch")) {
        HttpRequest<Buffer> request = service.client.request(HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)),
            example(path.getKey(), method));
        HttpResponse<Buffer> response = method.equals("post") || method.equals("put")
            ? service.sendJson(request, body(path.getKey()))
            : service.send(request);
        Map<String, Object> operation = (Map<String, Object>) operations.get(method);
        if (operation == null) {
          assertThat(response.statusCode()).as("%s %s is not documented", method, path.getKey()).isEqualTo(405);
          continue;
        }
        Map<String, Object> responses = (Map<String, Object>) operation.get("responses");
        assertThat(responses.keySet()).as("%s %s answered %d", method, path.getKey(), response.statusCode())
            .contains(Integer.toString(response.statusCode()));
        assertThat(response.statusCode()).as("%s %s", method, path.getKey()).isLessThan(400);
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void answersCarryTheDocumentedRequiredFields() throws Exception {
    Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) document.get("components")).get("schemas");
    JsonObject entry = service.get("doc/key").bodyAsJsonObject();
    assertThat(entry.fieldNames()).containsAll((List<String>) ((Map<String, Object>) schemas.get("Entry")).get("required"));
    JsonObject item = service.send(service.client.get("/history?key=doc/key")).bodyAsJsonObject().getJsonArray("items")
        .getJsonObject(0);
    assertThat(item.fieldNames()).containsAll((List<String>) ((Map<String, Object>) schemas.get("HistoryItem")).get("required"));
    JsonObject problem = service.get("doc/absent").bodyAsJsonObject();
    assertThat(problem.fieldNames()).containsAll((List<String>) ((Map<String, Object>) schemas.get("Problem")).get("required"));
  }

  private static String example(String path, String method) {
    return switch (path) {
      case "/config/{key}" -> method.equals("delete") ? "/config/doc/deletable" : "/config/doc/key";
      case "/history" -> "/history?key=doc/key";
      default -> path;
    };
  }

  private static Object body(String path) throws Exception {
    if (path.equals("/rollback")) {
      return new JsonObject().put("key", "doc/key").put("version", 1);
    }
    if (path.equals("/config/{key}")) {
      return new JsonObject().put("value", "put");
    }
    if (path.equals("/config")) {
      service.post("doc/deletable", "x"); // so that DELETE of it succeeds
      return new JsonObject().put("key", "doc/posted").put("value", "posted");
    }
    return new JsonObject();
  }
}
