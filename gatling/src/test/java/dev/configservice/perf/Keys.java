package dev.configservice.perf;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Key naming and the preload that runs in a simulation's before(): the traffic reads keys that must exist,
 * so they are written (and every write checked) before the first virtual user starts.
 */
final class Keys {
  private Keys() {}

  /** Zero-padded so a prefix such as "perf/key-0001" selects a predictable slice for list requests. */
  static String key(String prefix, int i) {
    return String.format("%s/key-%06d", prefix, i);
  }

  static String randomKey(String prefix, int count) {
    return key(prefix, ThreadLocalRandom.current().nextInt(count));
  }

  /** A prefix that matches 100 of the keys when count >= 1000 (so limit=50 pages), 10 when count >= 100. */
  static String randomListPrefix(String prefix, int count) {
    int tens = Math.max(1, count / 100);
    return String.format("%s/key-%04d", prefix, ThreadLocalRandom.current().nextInt(Math.min(tens, 10_000)));
  }

  /** JSON body for POST /config; the value is an object with a padding string of roughly valueBytes. */
  static String body(String key, int valueBytes) {
    StringBuilder pad = new StringBuilder(valueBytes);
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int i = 0; i < valueBytes; i++) {
      pad.append((char) ('a' + r.nextInt(26)));
    }
    return "{\"key\":\"" + key + "\",\"value\":{\"data\":\"" + pad + "\",\"n\":" + r.nextInt(1_000_000) + "}}";
  }

  /** Waits for /health/ready, then writes count keys with 16 requests in flight; throws on any failure. */
  static void preload(String baseUrl, String prefix, int count, int valueBytes) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    awaitReady(client, baseUrl, Duration.ofSeconds(30));
    long t0 = System.nanoTime();
    Semaphore inFlight = new Semaphore(16);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    CompletableFuture<?>[] all = new CompletableFuture<?>[count];
    for (int i = 0; i < count; i++) {
      String key = key(prefix, i);
      inFlight.acquireUninterruptibly();
      HttpRequest req = HttpRequest.newBuilder(URI.create(baseUrl + "/config"))
          .timeout(Duration.ofSeconds(10))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body(key, valueBytes)))
          .build();
      all[i] = send(client, req, 1).whenComplete((problem, err) -> {
        inFlight.release();
        if (err != null) {
          failures.add(key + ": " + err);
        } else if (problem != null) {
          failures.add(key + ": " + problem);
        }
      });
    }
    CompletableFuture.allOf(all).exceptionally(e -> null).join();
    if (!failures.isEmpty()) {
      throw new IllegalStateException("preload failed for " + failures.size() + " of " + count + " keys, first: " + failures.peek());
    }
    System.out.printf("preloaded %d keys under %s/ in %d ms%n", count, prefix, (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * Sends a write, retrying 503 (a service with a small MAX_IN_FLIGHT sheds even the preload) after a short
   * growing delay; completes with null on 200/201, else with what went wrong.
   */
  private static CompletableFuture<String> send(HttpClient client, HttpRequest req, int attempt) {
    return client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).thenCompose(resp -> {
      if (resp.statusCode() == 503 && attempt < 30) {
        return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(20L * attempt, TimeUnit.MILLISECONDS))
            .thenCompose(x -> send(client, req, attempt + 1));
      }
      return CompletableFuture.completedFuture(
          resp.statusCode() == 200 || resp.statusCode() == 201 ? null : "HTTP " + resp.statusCode() + " after " + attempt + " attempt(s)");
    });
  }

  static void awaitReady(HttpClient client, String baseUrl, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = client.send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/health/ready")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = "HTTP " + r.statusCode() + " " + r.body();
      } catch (Exception e) {
        last = e.toString();
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new IllegalStateException(baseUrl + "/health/ready did not answer 200 within " + max + " (" + last + ")");
  }
}
