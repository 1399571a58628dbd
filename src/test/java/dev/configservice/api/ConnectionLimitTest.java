package dev.configservice.api;

import static dev.configservice.api.RawHttp.closedByServer;
import static dev.configservice.api.RawHttp.connect;
import static dev.configservice.api.RawHttp.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.api.RawHttp.Response;
import java.net.Socket;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Beyond MAX_CONNECTIONS a connection's requests get a 503 and the connection is closed; health checks are still
 * answered; once a connection closes, a new one is served again. Raw sockets, so that the test decides exactly
 * which connections are open (a pooled HTTP client would hold its own).
 */
class ConnectionLimitTest {

  @Test
  void connectionsBeyondTheBoundAreAnswered503AndClosed() throws Exception {
    try (RunningService service = RunningService.start(Map.of(
        "DATA_DIR", Files.createTempDirectory("connections").toString(), "MAX_CONNECTIONS", "3"))) {
      List<Socket> open = new ArrayList<>();
      try {
        Socket a = connect(service);
        open.add(a);
        assertThat(exchange(a, "POST", "/config", "{\"key\":\"limit/a\",\"value\":1}").status()).isEqualTo(201);
        for (int i = 0; i < 2; i++) {
          Socket s = connect(service);
          open.add(s);
          assertThat(exchange(s, "GET", "/config/limit/a", null).status()).isEqualTo(200);
        }

        Socket fourth = connect(service);
        open.add(fourth);
        Response refused = exchange(fourth, "GET", "/config/limit/a", null);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.headers()).containsEntry("retry-after", "1").containsEntry("content-type", "application/problem+json");
        assertThat(refused.body()).contains("\"status\":503").contains("overloaded");
        assertThat(closedByServer(fourth, 3000)).as("the refused connection is closed").isTrue();

        Socket writer = connect(service);
        open.add(writer);
        assertThat(exchange(writer, "POST", "/config", "{\"key\":\"limit/b\",\"value\":2}").status()).isEqualTo(503);
        assertThat(closedByServer(writer, 3000)).isTrue();

        Socket probe = connect(service);
        open.add(probe);
        assertThat(exchange(probe, "GET", "/health/ready", null).status()).as("health is still answered").isEqualTo(200);
        assertThat(closedByServer(probe, 3000)).as("and its connection closed after a second").isTrue();

        Socket silent = connect(service);
        open.add(silent);
        assertThat(closedByServer(silent, 3000)).as("a connection beyond the bound that sends nothing").isTrue();

        // The refused ones changed nothing, and the three admitted connections still work.
        assertThat(exchange(open.get(1), "GET", "/config/limit/b", null).status()).isEqualTo(404);
        assertThat(exchange(a, "GET", "/config/limit/a", null).status()).isEqualTo(200);

        a.close();
        Socket next = admittedWithin(service, 5_000);
        open.add(next);
        assertThat(exchange(next, "GET", "/config/limit/a", null).status()).as("a freed place is taken again").isEqualTo(200);
        Response metrics = exchange(next, "GET", "/metrics", null);
        assertThat(metrics.body()).containsPattern("config_http_connections_refused_total [4-9]")
            .containsPattern("config_http_connections [3-9]\\.0");
      } finally {
        for (Socket s : open) {
          s.close();
        }
      }
    }
  }

  /** A new connection the service serves, retried as a client honouring Retry-After would (but sooner). */
  private static Socket admittedWithin(RunningService service, long millis) throws Exception {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (true) {
      Socket s = connect(service);
      if (exchange(s, "GET", "/health/live", null).status() == 200 && exchange(s, "GET", "/config/limit/a", null).status() == 200) {
        return s;
      }
      s.close();
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no connection was admitted again within " + millis + " ms");
      }
      Thread.sleep(50);
    }
  }
}
