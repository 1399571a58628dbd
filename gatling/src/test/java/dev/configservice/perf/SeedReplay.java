package dev.configservice.perf;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The case study's Locust run re-enacted: the Flask service it describes fell over at about 227 concurrent
 * users (16 s average response, 10% errors). Like Locust, users are spawned at a steady rate up to -Dusers
 * (300) over -Dramp, each keeps its own connection and loops "write a config, think 1-2 s, read it back,
 * think 1-2 s" until the end of -Dduration. The run fails on any error or a p99 of 50 ms or more.
 *
 * <p>mvn -f gatling gatling:test -Dgatling.simulationClass=dev.configservice.perf.SeedReplay
 * -DbaseUrl=http://127.0.0.1:8080 -Dusers=300 -Dramp=20s -Dduration=60s
 */
public class SeedReplay extends Simulation {
  private final int users = Settings.integer("users", 300);
  private final Duration ramp = Settings.duration("ramp", Duration.ofSeconds(20));
  private final Duration total = Settings.duration("duration", Duration.ofSeconds(55));
  private final int p99Ms = Settings.integer("p99Ms", 50);
  private final int valueBytes = Settings.integer("valueBytes", 100);
  /** Set by the first user: every user stops looping at this instant, as Locust stops all users at -t. */
  private static final AtomicLong END_NANOS = new AtomicLong();

  {
    Settings.describe("SeedReplay", "users", users, "ramp", ramp, "duration", total, "p99Ms", p99Ms);
    var httpProtocol = http.baseUrl(Settings.baseUrl())
        .acceptHeader("application/json")
        .contentTypeHeader("application/json")
        // warm Gatling's HTTP engine against the service itself (the default target is gatling.io)
        .warmUp(Settings.baseUrl() + "/health/ready")
        .disableCaching();

    var user = scenario("locust users")
        .exec(session -> {
          END_NANOS.compareAndSet(0, System.nanoTime() + total.toNanos());
          return session;
        })
        .asLongAs(session -> System.nanoTime() < END_NANOS.get()).on(
            exec(session -> session.set("key", "seed/user-" + session.userId() + "/item-" + ThreadLocalRandom.current().nextInt(10)))
                .exec(http("POST /config").post("/config")
                    .body(StringBody(session -> Keys.body(session.getString("key"), valueBytes)))
                    .check(status().in(200, 201)))
                .pause(Duration.ofSeconds(1), Duration.ofSeconds(2))
                .exec(http("GET /config/{key}").get("/config/#{key}")
                    .check(status().is(200), jsonPath("$.key").isEL("#{key}")))
                .pause(Duration.ofSeconds(1), Duration.ofSeconds(2)));

    setUp(user.injectOpen(rampUsers(users).during(ramp)))
        .protocols(httpProtocol)
        .maxDuration(total.plusSeconds(30))
        .assertions(
            global().failedRequests().percent().is(0.0),
            global().responseTime().percentile(99.0).lt(p99Ms));
  }
}
