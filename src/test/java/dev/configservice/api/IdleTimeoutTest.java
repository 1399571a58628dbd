package dev.configservice.api;

import static dev.configservice.api.RawHttp.closedByServer;
import static dev.configservice.api.RawHttp.connect;
import static dev.configservice.api.RawHttp.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * IDLE_TIMEOUT: a connection on which no request has begun for that long is closed, whether it never sent
 * anything, went quiet after its requests, or is trickling a request it never finishes; one that keeps sending
 * requests stays open. Raw sockets, so that the test decides what each connection sends.
 */
class IdleTimeoutTest {

  @Test
  void connectionsWithoutARequestForTheTimeoutAreClosedAndBusyOnesAreNot() throws Exception {
    try (RunningService service = RunningService.start(Map.of(
        "DATA_DIR", Files.createTempDirectory("idle").toString(), "IDLE_TIMEOUT", "1s"))) {
      List<Socket> open = new ArrayList<>();
      try {
        Socket silent = connect(service);
        Socket quiet = connect(service);
        Socket busy = connect(service);
        Socket trickling = connect(service);
        open.addAll(List.of(silent, quiet, busy, trickling));
        assertThat(exchange(quiet, "POST", "/config", "{\"key\":\"idle/a\",\"value\":1}").status()).isEqualTo(201);
        // Half a request: the headers and a first byte of a body that never comes whole.
        OutputStream out = trickling.getOutputStream();
        out.write(("POST /config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        out.flush();

        // A request every 200 ms for 2.4 s, twice the timeout: every one answered on the same connection.
        long start = System.nanoTime();
        for (int i = 0; i < 12; i++) {
          assertThat(exchange(busy, "GET", "/config/idle/a", null).status()).isEqualTo(200);
          if (i == 2) {
            assertThat(closedByServer(silent, 1)).as("not closed before the timeout").isFalse();
          }
          Thread.sleep(200);
        }
        assertThat(System.nanoTime() - start).isGreaterThan(2_000_000_000L);

        assertThat(closedByServer(silent, 100)).as("a connection that never sent a request").isTrue();
        assertThat(closedByServer(quiet, 100)).as("a connection quiet since its last request").isTrue();
        assertThat(closedByServer(trickling, 100)).as("a request that never finishes arriving").isTrue();
        assertThat(closedByServer(busy, 300)).as("the busy connection is still open").isFalse();
        assertThat(closedByServer(busy, 2000)).as("and closed once it went quiet too").isTrue();

        Socket next = connect(service);
        open.add(next);
        assertThat(exchange(next, "GET", "/metrics", null).body())
            .as("closed connections are uncounted").contains("config_http_connections 1.0");
      } finally {
        for (Socket s : open) {
          s.close();
        }
      }
    }
  }
}
