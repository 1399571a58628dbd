package dev.configservice.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
        assertThat(exchange(a, "POST", "/config", "{\"key\":\"limit/a\",\"value\":1}").status).isEqualTo(201);
        for (int i = 0; i < 2; i++) {
          Socket s = connect(service);
          open.add(s);
          assertThat(exchange(s, "GET", "/config/limit/a", null).status).isEqualTo(200);
        }

        Socket fourth = connect(service);
        open.add(fourth);
        Response refused = exchange(fourth, "GET", "/config/limit/a", null);
        assertThat(refused.status).isEqualTo(503);
        assertThat(refused.headers).containsEntry("retry-after", "1").containsEntry("content-type", "application/problem+json");
        assertThat(refused.body).contains("\"status\":503").contains("overloaded");
        assertThat(closedByServer(fourth)).as("the refused connection is closed").isTrue();

        Socket writer = connect(service);
        open.add(writer);
        assertThat(exchange(writer, "POST", "/config", "{\"key\":\"limit/b\",\"value\":2}").status).isEqualTo(503);
        assertThat(closedByServer(writer)).isTrue();

        Socket probe = connect(service);
        open.add(probe);
        assertThat(exchange(probe, "GET", "/health/ready", null).status).as("health is still answered").isEqualTo(200);
        assertThat(closedByServer(probe)).as("and its connection closed after a second").isTrue();

        Socket silent = connect(service);
        open.add(silent);
        assertThat(closedByServer(silent)).as("a connection beyond the bound that sends nothing").isTrue();

        // The refused ones changed nothing, and the three admitted connections still work.
        assertThat(exchange(open.get(1), "GET", "/config/limit/b", null).status).isEqualTo(404);
        assertThat(exchange(a, "GET", "/config/limit/a", null).status).isEqualTo(200);

        a.close();
        Socket next = admittedWithin(service, 5_000);
        open.add(next);
        assertThat(exchange(next, "GET", "/config/limit/a", null).status).as("a freed place is taken again").isEqualTo(200);
        Response metrics = exchange(next, "GET", "/metrics", null);
        assertThat(metrics.body).containsPattern("config_http_connections_refused_total [4-9]")
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
      if (exchange(s, "GET", "/health/live", null).status == 200 && exchange(s, "GET", "/config/limit/a", null).status == 200) {
        return s;
      }
      s.close();
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no connection was admitted again within " + millis + " ms");
      }
      Thread.sleep(50);
    }
  }

  private static Socket connect(RunningService service) throws IOException {
    Socket s = new Socket("127.0.0.1", service.port());
    s.setSoTimeout(5000);
    return s;
  }

  /** Whether the server closes the connection within ~3 s (a read sees the end of the stream). */
  private static boolean closedByServer(Socket s) throws IOException {
    s.setSoTimeout(3000);
    try {
      InputStream in = s.getInputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  private record Response(int status, Map<String, String> headers, String body) {
  }

  private static Response exchange(Socket s, String method, String path, String json) throws IOException {
    byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
    String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (json == null ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n") + "\r\n";
    s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().write(body);
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    String statusLine = readLine(in);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] content = in.readNBytes(length);
    return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers, new String(content, StandardCharsets.UTF_8));
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed mid-response");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }
}
