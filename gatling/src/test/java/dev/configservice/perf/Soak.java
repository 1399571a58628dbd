package dev.configservice.perf;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Soak: the 95/4/1 mix at a moderate -Drate for -Dduration, while a monitor user scrapes /metrics every
 * -DsampleEvery. At the end a final "soak drift check" request compares the last third of the hold with the
 * first third and is KO (which fails the run through an assertion) when
 * <ul>
 *   <li>the server's p99 (from the vertx_http_server_response_time_seconds buckets counted in each third)
 *       grew more than -DmaxLatencyDriftPercent (50) and more than -DlatencySlackMs (5: bucket and scheduling
 *       noise); the client-side p99 per third is printed next to it but not judged, as it includes the load
 *       generator's own pauses on a shared machine; or
 *   <li>the post-GC heap grew more than -DmaxHeapDriftPercent (30) and more than -DheapSlackMb (64).
 * </ul>
 * Post-GC heap: with -DservicePid=PID (the service runs on this machine) the monitor runs {@code jcmd PID
 * GC.run} at the end of the first and of the last third and reads jvm_memory_used_bytes{area="heap"} right
 * after: the live set, exactly. Without it, the lowest heap sampled in each third (the bottom of the GC
 * sawtooth) stands in; G1 promotes to the old generation for a long time before its first mixed collection,
 * so that floor rises in a healthy JVM too, which is why the slack is 64 MiB: use -DservicePid for long soaks.
 *
 * <p>mvn -f gatling gatling:test -Dgatling.simulationClass=dev.configservice.perf.Soak -DbaseUrl=http://127.0.0.1:8080
 * -Drate=300 -Dduration=30m -Dkeys=1000 -DservicePid=$(pgrep -f config-service.jar)
 */
public class Soak extends Simulation {
  private final int rate = Settings.integer("rate", 150);
  private final Duration ramp = Settings.duration("ramp", Duration.ofSeconds(5));
  private final Duration hold = Settings.duration("duration", Duration.ofSeconds(50));
  private final Duration sampleEvery = Settings.duration("sampleEvery",
      Duration.ofMillis(Math.max(1000, Math.min(15_000, hold.toMillis() / 60))));
  private final int p99Ms = Settings.integer("p99Ms", 50);
  private final double maxErrorPercent = Settings.decimal("maxErrorPercent", 0.1);
  private final double maxLatencyDriftPercent = Settings.decimal("maxLatencyDriftPercent", 50);
  private final double latencySlackMs = Settings.decimal("latencySlackMs", 5);
  private final double maxHeapDriftPercent = Settings.decimal("maxHeapDriftPercent", 30);
  private final double heapSlackMb = Settings.decimal("heapSlackMb", 64);
  private final String servicePid = System.getProperty("servicePid", "").trim();
  /** Heap right after a forced full GC at the end of the first (index 0) and last (1) third, if servicePid. */
  private final double[] postGcHeap = {Double.NaN, Double.NaN};

  private final long firstFrom = ramp.toMillis();
  private final long firstTo = ramp.toMillis() + hold.toMillis() / 3;
  private final long lastFrom = ramp.toMillis() + 2 * hold.toMillis() / 3;
  private final long lastTo = ramp.toMillis() + hold.toMillis();
  private final Recorder recorder = new Recorder(List.of(
      new Recorder.Window("first third", rate, firstFrom, firstTo),
      new Recorder.Window("last third", rate, lastFrom, lastTo)));
  private final List<MetricsSample> samples = Collections.synchronizedList(new ArrayList<>());

  {
    Settings.describe("Soak", "rate", rate, "ramp", ramp, "duration", hold, "sampleEvery", sampleEvery, "keys", Traffic.keys(),
        "maxLatencyDriftPercent", maxLatencyDriftPercent, "maxHeapDriftPercent", maxHeapDriftPercent);
    var ok = status().in(200, 201);
    var traffic = scenario("soak mix").exec(Traffic.recordedMix(recorder, ok, ok, ok))
        .injectOpen(rampUsersPerSec(1).to(rate).during(ramp), constantUsersPerSec(rate).during(hold));

    var scrape = http("metrics").get("/metrics").check(status().is(200), bodyString().saveAs("metrics"));
    var monitor = scenario("metrics monitor")
        .exec(session -> session.set("gcDone", 0))
        .asLongAs(session -> recorder.elapsedMs() < lastTo + 1000).on(
            exec(session -> {
              // one forced GC when the first third ends, one when the last third ends
              int done = session.getInt("gcDone");
              long now = recorder.elapsedMs();
              if (!servicePid.isEmpty() && done < 2 && now >= (done == 0 ? firstTo : lastTo)) {
                forceGc();
                return session.set("gcDone", done + 1).set("afterGc", done);
              }
              return session;
            })
            .exec(scrape)
                .exec(session -> {
                  if (session.contains("metrics")) {
                    MetricsSample m = MetricsSample.parse(recorder.elapsedMs(), session.getString("metrics"));
                    samples.add(m);
                    if (session.contains("afterGc")) {
                      postGcHeap[session.getInt("afterGc")] = m.heapBytes();
                    }
                  }
                  return session.remove("metrics").remove("afterGc");
                })
                .pause(sampleEvery))
        .exec(http("soak drift check").get("/metrics").check(status().is(200),
            bodyString().transform(body -> {
              samples.add(MetricsSample.parse(recorder.elapsedMs(), body));
              return verdict();
            }).is("no drift")))
        .injectOpen(atOnceUsers(1));

    setUp(traffic, monitor)
        .protocols(Traffic.protocol())
        .maxDuration(ramp.plus(hold).plusSeconds(60))
        .assertions(
            global().failedRequests().percent().lte(maxErrorPercent),
            global().responseTime().percentile(99.0).lt(p99Ms),
            details("soak drift check").failedRequests().count().is(0L),
            details("soak drift check").successfulRequests().count().is(1L));
  }

  @Override
  public void before() {
    Keys.preload(Settings.baseUrl(), Traffic.PREFIX, Traffic.keys(), Traffic.valueBytes());
  }

  /** "no drift", or what drifted (the check's failure message in the report). */
  String verdict() {
    List<MetricsSample> copy;
    synchronized (samples) {
      copy = new ArrayList<>(samples);
    }
    List<String> problems = new ArrayList<>();
    boolean forced = !Double.isNaN(postGcHeap[0]) && !Double.isNaN(postGcHeap[1]);
    double firstHeap = forced ? postGcHeap[0] : floor(copy, firstFrom, firstTo);
    double lastHeap = forced ? postGcHeap[1] : floor(copy, lastFrom, lastTo);
    double serverFirst = serverP99(copy, firstFrom, firstTo);
    double serverLast = serverP99(copy, lastFrom, lastTo);
    List<Recorder.Summary> thirds = recorder.summaries();
    int clientFirst = thirds.get(0).p99();
    int clientLast = thirds.get(1).p99();

    System.out.printf("Soak drift (first third -> last third of %s at %d req/s, %d /metrics samples)%n", hold, rate, copy.size());
    System.out.printf("  %s %8.1f MiB -> %8.1f MiB%n", forced ? "heap after forced GC:" : "heap floor (sampled):",
        firstHeap / 1048576, lastHeap / 1048576);
    System.out.printf("  server p99:           %8.1f ms  -> %8.1f ms%n", serverFirst, serverLast);
    System.out.printf("  client p99:           %8d ms  -> %8d ms (not judged)%n", clientFirst, clientLast);
    for (Recorder.Summary s : thirds) {
      System.out.println("  " + s.line());
    }

    if (Double.isNaN(firstHeap) || Double.isNaN(lastHeap)) {
      problems.add("no jvm_memory_used_bytes{area=heap} samples in a third");
    } else if (grew(firstHeap, lastHeap, maxHeapDriftPercent, heapSlackMb * 1048576)) {
      problems.add(String.format("post-GC heap %.0f->%.0f MiB", firstHeap / 1048576, lastHeap / 1048576));
    }
    if (Double.isNaN(serverFirst) || Double.isNaN(serverLast)) {
      problems.add("no vertx_http_server_response_time_seconds_bucket samples in a third");
    } else if (grew(serverFirst, serverLast, maxLatencyDriftPercent, latencySlackMs)) {
      problems.add(String.format("server p99 %.1f->%.1f ms", serverFirst, serverLast));
    }
    String v = problems.isEmpty() ? "no drift" : "drift: " + String.join(", ", problems);
    System.out.println("  verdict: " + v);
    return v;
  }

  private void forceGc() {
    try {
      Process p = new ProcessBuilder("jcmd", servicePid, "GC.run").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
        System.err.println("jcmd " + servicePid + " GC.run failed; the heap comparison falls back to sampled floors");
      }
    } catch (java.io.IOException e) {
      System.err.println("jcmd not runnable (" + e.getMessage() + "); the heap comparison falls back to sampled floors");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean grew(double first, double last, double maxPercent, double slack) {
    return last > first * (1 + maxPercent / 100.0) && last - first > slack;
  }

  private static double floor(List<MetricsSample> s, long from, long to) {
    return s.stream().filter(m -> m.atMs() >= from && m.atMs() <= to && !Double.isNaN(m.heapBytes()))
        .mapToDouble(MetricsSample::heapBytes).min().orElse(Double.NaN);
  }

  /** p99 of the requests the server counted between the samples closest to the window's edges. */
  private static double serverP99(List<MetricsSample> s, long from, long to) {
    MetricsSample a = null;
    MetricsSample b = null;
    for (MetricsSample m : s) {
      if (a == null || Math.abs(m.atMs() - from) < Math.abs(a.atMs() - from)) {
        a = m;
      }
      if (b == null || Math.abs(m.atMs() - to) < Math.abs(b.atMs() - to)) {
        b = m;
      }
    }
    return a == null || b == null || a.atMs() >= b.atMs() ? Double.NaN : MetricsSample.percentileMs(a, b, 99);
  }
}
