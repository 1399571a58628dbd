package dev.configservice.perf;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.incrementUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Simulation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Open-model stress: the arrival rate of the 95/4/1 mix rises by -Dstep every -DlevelDuration (with
 * -DrampBetween ramps) from -DstartRate for -Dlevels levels, past the point where the service sheds load with
 * 503. At the end it prints, per level, the achieved rate, shed and error percentages and accepted-latency
 * percentiles, "most accepted in any level: N req/s" (the capacity these levels saw, whatever the latency) and
 * "highest level held within objective: N req/s", where holding a level means: accepted
 * p99 within -DobjectiveP99Ms (50), at most -DobjectiveErrorPercent (1) of requests shed or failed, and at
 * least 95% of the target rate actually accepted. The table also goes to gatling/target/stress-levels.txt.
 * A -Dwarmup (5 s) at startRate comes first and is not judged.
 *
 * <p>Gatling assertions (they fail the run): 503 is an accepted way to say "too busy", anything else that is
 * not a normal answer (5xx other than 503, resets, timeouts) counts as KO and must stay under
 * -DmaxErrorPercent (1); and because shedding keeps queues short, p99 over all answers, 503s included, must
 * stay under -DmaxP99Ms (2000) even past the break point: the case study's service averaged 16 s.
 *
 * <p>mvn -f gatling gatling:test -Dgatling.simulationClass=dev.configservice.perf.Stress -DbaseUrl=http://127.0.0.1:8080
 * -DstartRate=500 -Dstep=500 -Dlevels=10 -DlevelDuration=20s -DrampBetween=5s
 */
public class Stress extends Simulation {
  private final double startRate = Settings.decimal("startRate", 200);
  private final double step = Settings.decimal("step", 300);
  private final int levels = Settings.integer("levels", 5);
  private final Duration levelDuration = Settings.duration("levelDuration", Duration.ofSeconds(8));
  private final Duration rampBetween = Settings.duration("rampBetween", Duration.ofSeconds(2));
  private final Duration warmup = Settings.duration("warmup", Duration.ofSeconds(5));
  private final int objectiveP99Ms = Settings.integer("objectiveP99Ms", 50);
  private final double objectiveErrorPercent = Settings.decimal("objectiveErrorPercent", 1.0);
  private final double maxErrorPercent = Settings.decimal("maxErrorPercent", 1.0);
  private final int maxP99Ms = Settings.integer("maxP99Ms", 2000);
  private final Recorder recorder;

  {
    Settings.describe("Stress", "startRate", startRate, "step", step, "levels", levels, "levelDuration", levelDuration,
        "rampBetween", rampBetween, "warmup", warmup, "keys", Traffic.keys(), "objectiveP99Ms", objectiveP99Ms,
        "mix", Traffic.writesOnly() ? "writes" : "95/4/1");
    // After a warm-up at startRate (cold JITs and empty connection pools on both sides would fail level 1),
    // level i runs at startRate + i*step from warmup + i*(level+ramp) for one level duration (Gatling's stairs);
    // the first and last second of each level are left out so ramps and in-flight tails do not blur it.
    List<Recorder.Window> windows = new ArrayList<>();
    long offsetMs = warmup.toMillis();
    long levelMs = levelDuration.toMillis();
    long periodMs = levelMs + rampBetween.toMillis();
    long trimMs = levelMs >= 4000 ? 1000 : 0;
    for (int i = 0; i < levels; i++) {
      double target = startRate + i * step;
      long from = offsetMs + i * periodMs;
      windows.add(new Recorder.Window(String.format("level %d", i + 1), target, from + trimMs, from + levelMs - trimMs));
    }
    recorder = new Recorder(windows);
    var answered = status().in(200, 201, 503);
    Duration total = Duration.ofMillis(offsetMs + levels * periodMs);

    setUp(scenario("stress mix").exec(Traffic.recordedMix(recorder, answered, answered, answered))
            .injectOpen(constantUsersPerSec(startRate).during(warmup), incrementUsersPerSec(step).times(levels).eachLevelLasting(levelDuration)
                .separatedByRampsLasting(rampBetween).startingFrom(startRate)))
        .protocols(Traffic.protocol())
        .maxDuration(total.plusSeconds(30))
        .assertions(
            global().failedRequests().percent().lte(maxErrorPercent),
            global().responseTime().percentile(99.0).lt(maxP99Ms));
  }

  @Override
  public void before() {
    Keys.preload(Settings.baseUrl(), Traffic.PREFIX, Traffic.keys(), Traffic.valueBytes());
  }

  @Override
  public void after() {
    StringBuilder out = new StringBuilder();
    out.append(String.format("Stress levels (objective: accepted p99 <= %d ms, shed+errors <= %.1f%%, accepted >= 95%% of target)%n",
        objectiveP99Ms, objectiveErrorPercent));
    double highest = 0;
    double mostAccepted = 0;
    boolean broken = false;
    String firstShed = null;
    for (Recorder.Summary s : recorder.summaries()) {
      boolean held = s.total() > 0
          && s.p99() <= objectiveP99Ms
          && s.shedPercent() + s.errorPercent() <= objectiveErrorPercent
          && s.acceptedPerSec() >= 0.95 * s.window().targetRate();
      out.append(s.line()).append(held ? "  held" : "  NOT held").append(System.lineSeparator());
      mostAccepted = Math.max(mostAccepted, s.acceptedPerSec());
      if (firstShed == null && s.shed() > 0) {
        firstShed = s.window().name() + " (" + Math.round(s.window().targetRate()) + " req/s)";
      }
      // "Highest held" is the last level held before the first one that was not: a level held again after
      // a failure would be luck, not capacity.
      if (held && !broken) {
        highest = s.window().targetRate();
      } else if (!held) {
        broken = true;
      }
    }
    out.append("first level with 503s: ").append(firstShed == null ? "none (the service never shed load; raise -Dlevels or -Dstep)" : firstShed)
        .append(System.lineSeparator());
    out.append(String.format("highest level held within objective: %d req/s%n", Math.round(highest)));
    // What a store-bound service completed at best, whatever the latency: its capacity, when a noisy store's
    // pauses break the latency objective at rates it otherwise keeps up with.
    out.append(String.format("most accepted in any level: %d req/s%n", Math.round(mostAccepted)));
    System.out.print(out);
    try {
      // next to the reports (gatling/target), wherever Maven was started from
      Path file = Path.of(Stress.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent().resolve("stress-levels.txt");
      Files.createDirectories(file.getParent());
      Files.writeString(file, out.toString());
    } catch (IOException | java.net.URISyntaxException e) {
      System.err.println("could not write target/stress-levels.txt: " + e);
    }
  }
}
