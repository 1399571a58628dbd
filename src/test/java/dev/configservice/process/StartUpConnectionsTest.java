package dev.configservice.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections opened while the service starts keep working: clients that connect the moment the port opens
 * (load balancer health checks, readiness pollers) get an answer to every request on that connection, not only the
 * first. Vert.x 5.0.7 accepts connections before it creates the server's metrics; such a connection once got its
 * first answer and then none, because the metrics threw on it (HttpRequestMetricsTest checks the cause directly).
 * Against that code this test failed in each of 4 runs, with "second request on a connection unanswered for 5 s".
 */
class StartUpConnectionsTest {

  private static final int STARTS = 3;
  private static final int POLLERS = 4;

  @TempDir
  Path dataDir;

  @TempDir
  Path logs;

  @Test
  void everyConnectionOpenedDuringStartUpAnswersItsNextRequestToo() throws Exception {
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (int start = 0; start < STARTS; start++) {
      int port = ForkedService.freePort();
      ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
      AtomicInteger connections = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> pollers = new ArrayList<>();
      // Started before the service: they connect in a tight loop, so some connect in the first instants the port is open.
      for (int i = 0; i < POLLERS; i++) {
        Thread poller = new Thread(() -> poll(port, stop, connections, problems), "start-up-poller-" + i);
        poller.setDaemon(true);
        poller.start();
        pollers.add(poller);
      }
      Path log = logs.resolve("start-" + start + ".log");
      try (ForkedService service = ForkedService.start(dataDir, port, Map.of(), log)) {
        Thread.sleep(300); // the pollers keep going on the started service for a moment
        stopAndJoin(stop, pollers); // before the service is killed, which would cut their exchanges short
      } finally {
        stopAndJoin(stop, pollers);
      }
      checked += connections.get();
      failures.addAll(problems);
      if (Files.readString(log).contains("Exception")) {
        failures.add("start " + start + " logged an exception:\n" + Files.readString(log));
      }
    }
    assertThat(checked).as("connections that got their first answer").isPositive();
    assertThat(failures).isEmpty();
  }

  private static void stopAndJoin(AtomicBoolean stop, List<Thread> pollers) throws InterruptedException {
    stop.set(true);
    for (Thread poller : pollers) {
      poller.join(10_000);
    }
  }

  /** Until stopped: connect, send two requests one after the other on the connection, expect both answered. */
  private static void poll(int port, AtomicBoolean stop, AtomicInteger connections, ConcurrentLinkedQueue<String> problems) {
    while (!stop.get()) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        String first = exchange(out, in);
        if (first == null) {
          continue; // closed before answering: the server was not serving yet
        }
        connections.incrementAndGet();
        try {
          String second = exchange(out, in);
          if (second == null || !second.startsWith("HTTP/1.1 200")) {
            problems.add("second request on a connection answered " + second + " after " + first);
          }
        } catch (SocketTimeoutException e) {
          problems.add("second request on a connection unanswered for 5 s; the first got " + first);
        }
      } catch (IOException notListeningYet) {
        try {
          Thread.sleep(1); // often enough to catch the port's first instants, without taking the cores from the start
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** GET /health/live and read one whole answer; its status line, or null if the connection closed first. */
  private static String exchange(OutputStream out, InputStream in) throws IOException {
    out.write("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    StringBuilder head = new StringBuilder();
    while (head.indexOf("\r\n\r\n") < 0) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.append((char) b);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    if (in.readNBytes(length).length < length) {
      return null;
    }
    return head.substring(0, head.indexOf("\r\n"));
  }
}
