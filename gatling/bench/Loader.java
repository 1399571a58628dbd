import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Benchmark helper, run as a single-file program (java Loader.java ...): writes keys prefix/key-000000 ..
 * with values of about valueBytes, then optionally reads each once so the service's cache holds them all.
 * Every response is checked; the exit status is 1 if any request failed.
 *
 * <p>java Loader.java http://127.0.0.1:28080 bench 1000 100 32 [read]
 */
public class Loader {
  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: java Loader.java BASE_URL PREFIX COUNT VALUE_BYTES CONCURRENCY [read]");
      System.exit(2);
    }
    String base = args[0];
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    int valueBytes = Integer.parseInt(args[3]);
    int concurrency = Integer.parseInt(args[4]);
    boolean read = args.length > 5 && args[5].equals("read");
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    String pad = "x".repeat(Math.max(0, valueBytes));

    run("wrote", count, concurrency, i -> HttpRequest.newBuilder(URI.create(base + "/config"))
        .header("content-type", "application/json")
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key(prefix, i) + "\",\"value\":\"" + pad + "\"}"))
        .build(), client, 201, 200);
    if (read) {
      run("read", count, concurrency, i -> HttpRequest.newBuilder(URI.create(base + "/config/" + key(prefix, i)))
          .timeout(Duration.ofSeconds(30)).GET().build(), client, 200, 200);
    }
  }

  static String key(String prefix, int i) {
    return String.format("%s/key-%06d", prefix, i);
  }

  interface RequestFor {
    HttpRequest build(int i);
  }

  static void run(String what, int count, int concurrency, RequestFor factory, HttpClient client, int okA, int okB) {
    long t0 = System.nanoTime();
    Semaphore slots = new Semaphore(concurrency);
    AtomicLong failures = new AtomicLong();
    AtomicReference<String> first = new AtomicReference<>();
    CompletableFuture<?>[] all = new CompletableFuture<?>[count];
    for (int i = 0; i < count; i++) {
      slots.acquireUninterruptibly();
      final int n = i;
      all[i] = client.sendAsync(factory.build(i), HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
        slots.release();
        if (e != null || (r.statusCode() != okA && r.statusCode() != okB)) {
          failures.incrementAndGet();
          first.compareAndSet(null, "request " + n + ": " + (e != null ? e.toString() : "HTTP " + r.statusCode()));
        }
      });
    }
    CompletableFuture.allOf(all).exceptionally(x -> null).join();
    long ms = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
    System.out.printf("%s %d keys in %d ms (%.0f/s), %d failures%n", what, count, ms, count * 1000.0 / ms, failures.get());
    if (failures.get() > 0) {
      System.err.println("first failure: " + first.get());
      System.exit(1);
    }
  }
}
