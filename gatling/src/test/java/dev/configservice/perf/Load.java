package dev.configservice.perf;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * Production-like load: ramp the arrival rate to -Drate requests/s of the 95/4/1 read/write/list mix, hold it
 * for -Dduration, and fail the run if errors or latency percentiles exceed their objectives.
 *
 * <p>mvn -f gatling gatling:test -Dgatling.simulationClass=dev.configservice.perf.Load -DbaseUrl=http://127.0.0.1:8080
 * -Drate=500 -Dramp=10s -Dduration=45s -Dkeys=1000 [-Dp95Ms=25 -Dp99Ms=50 -DmaxErrorPercent=0.1]
 */
public class Load extends Simulation {
  private final int rate = Settings.integer("rate", 200);
  private final Duration ramp = Settings.duration("ramp", Duration.ofSeconds(10));
  private final Duration hold = Settings.duration("duration", Duration.ofSeconds(45));
  private final int p95Ms = Settings.integer("p95Ms", 25);
  private final int p99Ms = Settings.integer("p99Ms", 50);
  private final double maxErrorPercent = Settings.decimal("maxErrorPercent", 0.1);

  {
    Settings.describe("Load", "rate", rate, "ramp", ramp, "duration", hold, "keys", Traffic.keys(),
        "p95Ms", p95Ms, "p99Ms", p99Ms, "maxErrorPercent", maxErrorPercent);
    // One request per virtual user: the injection rate is the request rate (open model).
    setUp(scenario("mixed traffic").exec(Traffic.strictMix())
            .injectOpen(rampUsersPerSec(1).to(rate).during(ramp), constantUsersPerSec(rate).during(hold)))
        .protocols(Traffic.protocol())
        .maxDuration(ramp.plus(hold).plusSeconds(30))
        .assertions(
            global().failedRequests().percent().lte(maxErrorPercent),
            global().responseTime().percentile(95.0).lt(p95Ms),
            global().responseTime().percentile(99.0).lt(p99Ms),
            details("get").responseTime().percentile(99.0).lt(p99Ms));
  }

  @Override
  public void before() {
    Keys.preload(Settings.baseUrl(), Traffic.PREFIX, Traffic.keys(), Traffic.valueBytes());
  }
}
