package dev.configservice.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP server's request meters on a real Vert.x server and real sockets: what vertx-micrometer would
 * record (names, labels, help), with the active-request gauge back at zero after answers and resets alike.
 */
class HttpRequestMetricsTest {

  private PrometheusMeterRegistry registry;
  private Vertx vertx;
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    registry = Metrics.createRegistry();
    vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .addLabels(Label.HTTP_ROUTE)))
        .withMetrics(new ServiceMetricsFactory(registry))
        .build();
    server = vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/hang")) {
        return; // never answered: the client gives up
      }
      request.routed("/things/{id}");
      request.response().setStatusCode(request.path().equals("/missing") ? 404 : 200).end("ok");
    });
    await(server.listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void answeredRequestsAreCountedAndTimedByMethodRouteAndCode() throws Exception {
    for (String path : new String[] {"/a", "/b", "/missing"}) {
      assertThat(exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 " + (path.equals("/missing") ? "404" : "200"));
    }
    assertThat(registry.get(HttpRequestMetrics.REQUESTS).tags("method", "GET", "route", "/things/{id}", "code", "200")
        .counter().count()).isEqualTo(2);
    Timer ok = registry.get(Metrics.HTTP_TIMER).tags("method", "GET", "route", "/things/{id}", "code", "200").timer();
    assertThat(ok.count()).isEqualTo(2);
    assertThat(ok.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(registry.get(Metrics.HTTP_TIMER).tags("code", "404").timer().count()).isEqualTo(1);
    assertThat(active()).isZero();

    String text = registry.scrape();
    assertThat(text).contains("# HELP vertx_http_server_requests_total Number of processed requests")
        .contains("vertx_http_server_requests_total{code=\"200\",method=\"GET\",route=\"/things/{id}\"} 2.0")
        .contains("vertx_http_server_response_time_seconds_bucket{code=\"200\",method=\"GET\",route=\"/things/{id}\",le=\"0.001\"}")
        .contains("vertx_http_server_active_requests{method=\"GET\"} 0.0")
        // connection and byte counts are still vertx-micrometer's
        .contains("vertx_http_server_bytes_read_total");
  }

  @Test
  void methodsOutsideTheStandardOnesShareOneLabel() throws Exception {
    for (String method : new String[] {"FOO", "BAR", "PATCH"}) {
      assertThat(exchange(method + " /a HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 200");
    }
    assertThat(registry.get(HttpRequestMetrics.REQUESTS).tags("method", "OTHER", "code", "200").counter().count())
        .isEqualTo(2);
    assertThat(registry.get(HttpRequestMetrics.REQUESTS).tags("method", "PATCH", "code", "200").counter().count())
        .isEqualTo(1);
    assertThat(registry.find(HttpRequestMetrics.REQUESTS).tag("method", "FOO").counters()).isEmpty();
  }

  @Test
  void aRequestTheClientAbandonsIsCountedAsAResetAndLeavesNothingActive() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.actualPort())) {
      OutputStream out = socket.getOutputStream();
      out.write("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (active() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(active()).isEqualTo(1);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (active() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(active()).isZero();
    assertThat(registry.get(HttpRequestMetrics.RESETS).tags("method", "GET").counter().count()).isEqualTo(1);
    assertThat(registry.find(HttpRequestMetrics.REQUESTS).counters()).isEmpty();
  }

  /**
   * Vert.x accepts connections as soon as the port is bound and creates the server's metrics a moment later, so a
   * connection accepted in between has no socket metric. Its traffic must not throw: the exception used to leave
   * its first answer half-done and every later request on it unanswered.
   */
  @Test
  void aConnectionWithoutASocketMetricIsServedUncounted() {
    @SuppressWarnings("unchecked")
    HttpServerMetrics<Object, Object, Object> metrics = (HttpServerMetrics<Object, Object, Object>)
        ((VertxInternal) vertx).metrics().createHttpServerMetrics(new HttpServerOptions(),
            SocketAddress.inetSocketAddress(8080, "127.0.0.1"));
    SocketAddress client = SocketAddress.inetSocketAddress(50000, "127.0.0.1");
    Object counted = metrics.connected(client, null);
    double before = registry.get("vertx.http.server.bytes.written").counter().count();

    assertThatCode(() -> {
      metrics.bytesRead(null, client, 100);
      metrics.bytesWritten(null, client, 200);
      metrics.exceptionOccurred(null, client, new java.io.IOException("reset"));
      metrics.disconnected(null, client);
    }).doesNotThrowAnyException();
    assertThat(registry.get("vertx.http.server.bytes.written").counter().count()).isEqualTo(before);

    metrics.bytesWritten(counted, client, 200);
    assertThat(registry.get("vertx.http.server.bytes.written").counter().count()).isEqualTo(before + 200);
  }

  private double active() {
    Gauge g = registry.find(HttpRequestMetrics.ACTIVE).tags("method", "GET").gauge();
    return g == null ? 0 : g.value();
  }

  private String exchange(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.actualPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      byte[] buf = new byte[4096];
      int n = socket.getInputStream().read(buf);
      return new String(buf, 0, n, StandardCharsets.US_ASCII);
    }
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
