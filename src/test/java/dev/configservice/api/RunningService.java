package dev.configservice.api;

import dev.configservice.ConfigServiceApp;
import dev.configservice.config.ServiceConfig;
import dev.configservice.config.SettingsParser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A service started in this JVM on a free loopback port, and a real HTTP client pointed at it. */
public final class RunningService implements AutoCloseable {

  public final ConfigServiceApp app;
  public final Vertx clientVertx;
  public final WebClient client;

  private RunningService(ConfigServiceApp app) {
    this.app = app;
    this.clientVertx = Vertx.vertx();
    this.client = WebClient.create(clientVertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(app.port()).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(64));
  }

  /** Starts the service with these settings (as environment variables) on top of PORT=0, HOST=127.0.0.1. */
  public static RunningService start(Map<String, String> settings) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("PORT", "0");
    env.put("HOST", "127.0.0.1");
    env.put("HTTP_INSTANCES", "2");
    env.putAll(settings);
    ServiceConfig config = SettingsParser.parse(env, new String[0]);
    return new RunningService(await(ConfigServiceApp.start(config)));
  }

  public int port() {
    return app.port();
  }

  public HttpResponse<Buffer> send(HttpRequest<Buffer> request) throws Exception {
    return await(request.timeout(15_000).send());
  }

  public HttpResponse<Buffer> sendJson(HttpRequest<Buffer> request, Object body) throws Exception {
    Buffer buffer = body instanceof Buffer b ? b
        : body instanceof String s ? Buffer.buffer(s) : Buffer.buffer(io.vertx.core.json.Json.encode(body));
    return await(request.timeout(15_000).putHeader("Content-Type", "application/json").sendBuffer(buffer));
  }

  public HttpResponse<Buffer> post(String key, Object value) throws Exception {
    return sendJson(client.post("/config"), new JsonObject().put("key", key).put("value", value));
  }

  public HttpResponse<Buffer> get(String key) throws Exception {
    return send(client.get("/config/" + key));
  }

  public static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  @Override
  public void close() throws Exception {
    client.close();
    await(clientVertx.close());
    await(app.stop());
  }
}
