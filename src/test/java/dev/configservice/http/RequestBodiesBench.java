package dev.configservice.http;

import io.vertx.core.buffer.Buffer;
import java.util.Set;

/**
 * Prints the CPU time of reading one benchmark POST body ({@code gatling/bench/post.lua}'s), as clients send it
 * (compact: its value is taken as sent) and with spaces (its value is copied token by token). Not a test:
 *
 * <pre>mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -Xms224m -Xmx224m -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.configservice.http.RequestBodiesBench</pre>
 */
public final class RequestBodiesBench {

  private RequestBodiesBench() {
  }

  public static void main(String[] args) {
    RequestBodies reader = new RequestBodies(65536);
    String pad = "v".repeat(80);
    Buffer[] compact = new Buffer[1024];
    Buffer[] spaced = new Buffer[1024];
    for (int i = 0; i < compact.length; i++) {
      compact[i] = Buffer.buffer(String.format("{\"key\":\"bench/key-%06d\",\"value\":{\"data\":\"%s\",\"n\":%d}}",
          i, pad, i * 977));
      spaced[i] = Buffer.buffer(String.format("{\"key\": \"bench/key-%06d\", \"value\": {\"data\": \"%s\", \"n\": %d}}",
          i, pad, i * 977));
    }
    long sink = 0;
    for (int round = 0; round < 10; round++) {
      sink += time("compact", reader, compact, round);
      sink += time("spaced ", reader, spaced, round);
    }
    System.out.println("(checksum " + sink + ")");
  }

  private static long time(String label, RequestBodies reader, Buffer[] bodies, int round) {
    Set<String> allowed = Set.of("key", "value");
    int n = 500_000;
    long sink = 0;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      RequestBodies.Fields fields = reader.object(bodies[i & (bodies.length - 1)], allowed);
      sink += fields.value().length() + fields.key().value().length();
    }
    System.out.printf("round %d %s: %4.0f ns per body%n", round, label, (System.nanoTime() - start) / (double) n);
    return sink;
  }
}
