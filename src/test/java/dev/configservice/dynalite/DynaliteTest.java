package dev.configservice.dynalite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The test server itself: dynalite 4.0.0 alone exits when a client abandons a request (it rethrows the request's
 * error), which is what the AWS SDK does when a call times out. Started through dynalite-run.js it keeps serving.
 */
class DynaliteTest {

  private Dynalite dynalite;

  @BeforeEach
  void start() {
    dynalite = Dynalite.startInMemory();
  }

  @AfterEach
  void stop() {
    dynalite.stop();
  }

  @Test
  void keepsServingAfterAClientResetsItsConnectionMidRequest() throws Exception {
    for (int i = 0; i < 3; i++) {
      try (Socket socket = new Socket("127.0.0.1", dynalite.port())) {
        OutputStream out = socket.getOutputStream();
        // Headers and the start of a body that promises more than it sends, then a reset (linger 0).
        out.write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n"
            + "X-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: 1000\r\n\r\n{\"Li")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(100);
        socket.setSoLinger(true, 0);
      }
    }
    Thread.sleep(300);

    assertThat(dynalite.isRunning()).as("dynalite still running").isTrue();
    HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(dynalite.endpoint() + "/"))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isLessThan(500);
  }
}
