package dev.configservice.ceiling;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The smallest server that answers the config service's two hot routes (GET /config/{key}, POST /config)
 * with the same JSON body and ETag, over a ConcurrentHashMap, on plain vertx-core: no router, no store,
 * no metrics, no cache bookkeeping. The benchmark divides the service's throughput by this one's to show
 * how much of the framework's ceiling on this machine the service keeps.
 *
 * <p>Usage: {@code java -jar config-ceiling.jar [port] [host]} (defaults 28081, 127.0.0.1).
 */
public final class CeilingServer {

  /** Version and the encoded response body, built once per write so a GET only copies bytes. */
  private record Entry(long version, Buffer body, String etag) {}

  private static final ConcurrentHashMap<String, Entry> STORE = new ConcurrentHashMap<>();
  private static final Buffer UP = Buffer.buffer("{\"status\":\"UP\"}");

  private CeilingServer() {}

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 28081;
    String host = args.length > 1 ? args[1] : "127.0.0.1";
    int instances = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx();
    // One verticle (one event loop) per core, all sharing the listening socket, as the service does.
    vertx
        .deployVerticle(() -> new Http(port, host), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println("ceiling listening on " + host + ":" + port + " with " + instances + " event loops"))
        .onFailure(err -> {
          err.printStackTrace();
          System.exit(1);
        });
  }

  private static final class Http extends VerticleBase {
    private final int port;
    private final String host;

    Http(int port, String host) {
      this.port = port;
      this.host = host;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer().requestHandler(this::handle).listen(port, host);
    }

    private void handle(HttpServerRequest req) {
      String path = req.path();
      if (req.method() == HttpMethod.GET && path.startsWith("/config/") && path.length() > 8) {
        Entry e = STORE.get(path.substring(8));
        if (e == null) {
          problem(req, 404, "Not Found");
        } else {
          req.response().putHeader("content-type", "application/json").putHeader("etag", e.etag).end(e.body);
        }
      } else if (req.method() == HttpMethod.POST && path.equals("/config")) {
        req.body().onSuccess(b -> put(req, b)).onFailure(err -> problem(req, 400, "Bad Request"));
      } else if (req.method() == HttpMethod.GET && path.equals("/health/ready")) {
        req.response().putHeader("content-type", "application/json").end(UP);
      } else {
        problem(req, 404, "Not Found");
      }
    }

    private static void put(HttpServerRequest req, Buffer raw) {
      JsonObject in;
      try {
        in = raw.toJsonObject();
      } catch (DecodeException | ClassCastException e) {
        problem(req, 400, "Bad Request");
        return;
      }
      Object k = in.getValue("key");
      if (!(k instanceof String key) || key.isEmpty() || !in.containsKey("value")) {
        problem(req, 400, "Bad Request");
        return;
      }
      Object value = in.getValue("value");
      String now = Instant.now().toString();
      boolean[] created = new boolean[1];
      Entry e = STORE.compute(key, (kk, prev) -> {
        created[0] = prev == null;
        long v = prev == null ? 1 : prev.version + 1;
        Buffer body = new JsonObject().put("key", key).put("value", value).put("version", v).put("updatedAt", now).toBuffer();
        return new Entry(v, body, "\"" + v + "\"");
      });
      var resp = req.response().putHeader("content-type", "application/json").putHeader("etag", e.etag);
      if (created[0]) {
        resp.setStatusCode(201).putHeader("location", "/config/" + key);
      }
      resp.end(e.body);
    }

    private static void problem(HttpServerRequest req, int status, String title) {
      req.response()
          .setStatusCode(status)
          .putHeader("content-type", "application/problem+json")
          .end(new JsonObject().put("type", "about:blank").put("title", title).put("status", status).encode());
    }
  }
}
