package dev.configservice.perf;

import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Overload objective: "at 3x the sustainable rate the service sheds the excess with fast 503s, keeps the p99
 * of the requests it accepts within 2x its normal p99, and never runs out of memory". Open model: -Drate (the
 * sustainable rate, e.g. Stress's "highest level held") for -Dbaseline, then -Dfactor (3) times that for
 * -Dduration; then a verdict request (KO fails the run) checks, from the recorder's per-phase statistics:
 * <ul>
 *   <li>the generator really sent at least 90% of the overload rate (else the measurement proves nothing),
 *   <li>some load was shed (503) during overload, and the 503s' p99 is under -DfastShedMs (50),
 *   <li>accepted p99 under overload is at most 2x the baseline p99 (plus -DlatencySlackMs, 5, for
 *       millisecond-resolution noise),
 *   <li>requests neither shed nor answered (5xx, resets, timeouts) stay under -DmaxErrorPercent (1),
 *   <li>and the service is still alive afterwards (/health/live 200) — an OOM or crash fails this.
 * </ul>
 *
 * <p>mvn -f gatling gatling:test -Dgatling.simulationClass=dev.configservice.perf.Overload
 * -DbaseUrl=http://127.0.0.1:8080 -Drate=2000 -Dbaseline=20s -Dduration=30s
 */
public class Overload extends Simulation {
  private final double rate = Settings.decimal("rate", 300);
  private final double factor = Settings.decimal("factor", 3);
  private final Duration baseline = Settings.duration("baseline", Duration.ofSeconds(20));
  private final Duration overload = Settings.duration("duration", Duration.ofSeconds(30));
  private final int fastShedMs = Settings.integer("fastShedMs", 50);
  private final double latencySlackMs = Settings.decimal("latencySlackMs", 5);
  private final double maxErrorPercent = Settings.decimal("maxErrorPercent", 1.0);
  private final Recorder recorder;

  {
    Settings.describe("Overload", "rate", rate, "factor", factor, "baseline", baseline, "duration", overload, "keys", Traffic.keys(),
        "mix", Traffic.writesOnly() ? "writes" : "95/4/1");
    long b = baseline.toMillis();
    long o = overload.toMillis();
    // Skip the first 3 s of each phase: JIT warm-up in the baseline, the queue filling up in the overload.
    recorder = new Recorder(List.of(
        new Recorder.Window("baseline", rate, Math.min(3000, b / 4), b),
        new Recorder.Window("overload", rate * factor, b + Math.min(3000, o / 4), b + o)));
    var answered = status().in(200, 201, 503);
    var traffic = scenario("overload mix").exec(Traffic.recordedMix(recorder, answered, answered, answered))
        .injectOpen(constantUsersPerSec(rate).during(baseline), constantUsersPerSec(rate * factor).during(overload));
    var judge = scenario("overload verdict")
        .exec(http("overload verdict").get("/health/live").check(status().is(200),
            bodyString().transform(body -> verdict()).is("objective met")))
        .injectOpen(nothingFor(baseline.plus(overload).plusSeconds(2)), atOnceUsers(1));

    setUp(traffic, judge)
        .protocols(Traffic.protocol())
        .maxDuration(baseline.plus(overload).plusSeconds(40))
        .assertions(
            global().failedRequests().percent().lte(maxErrorPercent),
            details("overload verdict").failedRequests().count().is(0L),
            details("overload verdict").successfulRequests().count().is(1L));
  }

  @Override
  public void before() {
    Keys.preload(Settings.baseUrl(), Traffic.PREFIX, Traffic.keys(), Traffic.valueBytes());
  }

  String verdict() {
    List<Recorder.Summary> s = recorder.summaries();
    Recorder.Summary base = s.get(0);
    Recorder.Summary over = s.get(1);
    System.out.println("Overload phases:");
    System.out.println("  " + base.line());
    System.out.println("  " + over.line());
    List<String> problems = new ArrayList<>();
    if (over.sentPerSec() < 0.9 * over.window().targetRate()) {
      problems.add(String.format("generator sent only %.0f of %.0f req/s", over.sentPerSec(), over.window().targetRate()));
    }
    if (over.shed() == 0) {
      problems.add("nothing shed: the overload rate was within capacity, raise -Drate to the sustainable rate");
    } else if (over.shedP99() > fastShedMs) {
      problems.add(String.format("503 p99 %d ms > %d ms", over.shedP99(), fastShedMs));
    }
    double allowed = Math.max(2.0 * base.p99(), base.p99() + latencySlackMs);
    if (over.p99() > allowed) {
      problems.add(String.format("accepted p99 %d ms > %.0f ms (2x baseline %d ms)", over.p99(), allowed, base.p99()));
    }
    if (over.errorPercent() > maxErrorPercent) {
      problems.add(String.format("%.2f%% errors other than 503", over.errorPercent()));
    }
    String v = problems.isEmpty() ? "objective met" : String.join(", ", problems);
    System.out.println("  verdict: " + v);
    return v;
  }
}
