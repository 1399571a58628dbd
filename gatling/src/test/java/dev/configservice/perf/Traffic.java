package dev.configservice.perf;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;

/**
 * The production-like request mix shared by Load, Stress, Soak and Overload: 95% reads of existing keys,
 * 4% writes (updates of existing keys), 1% prefix listings of 50 entries.
 */
final class Traffic {
  private Traffic() {}

  static final String PREFIX = "perf";

  /**
   * Clients of a config service are other services holding a connection pool, so virtual users share
   * connections instead of opening one TCP connection each (Gatling's browser-like default).
   */
  static HttpProtocolBuilder protocol() {
    return http.baseUrl(Settings.baseUrl())
        .acceptHeader("application/json")
        .contentTypeHeader("application/json")
        .shareConnections()
        // warm Gatling's HTTP engine against the service itself (the default target is gatling.io)
        .warmUp(Settings.baseUrl() + "/health/ready")
        .disableCaching();
  }

  static HttpRequestActionBuilder get() {
    return http("get").get(session -> "/config/" + Keys.randomKey(PREFIX, keys()));
  }

  static HttpRequestActionBuilder put() {
    return http("write").post("/config").body(StringBody(
        session -> Keys.body(Keys.randomKey(PREFIX, keys()), valueBytes())));
  }

  static HttpRequestActionBuilder list() {
    return http("list").get(session -> "/config?prefix=" + Keys.randomListPrefix(PREFIX, keys()) + "&limit=50");
  }

  static int keys() {
    return Settings.integer("keys", 1000);
  }

  /**
   * -Dmix=writes turns Stress and Overload into write-only traffic: the store-bound case, where the store (not
   * the CPU) limits the sustainable rate and a generator on the same machine can offer three times it.
   */
  static boolean writesOnly() {
    String mix = Settings.string("mix", "default");
    if (!mix.equals("default") && !mix.equals("writes")) {
      throw new IllegalArgumentException("-Dmix must be default or writes, not " + mix);
    }
    return mix.equals("writes");
  }

  static int valueBytes() {
    return Settings.integer("valueBytes", 100);
  }

  /** The mix with strict checks: anything but the expected answer is a KO in Gatling's report. */
  static ChainBuilder strictMix() {
    return randomSwitch().on(
        percent(95.0).then(exec(get().check(status().is(200), jsonPath("$.version").exists()))),
        percent(4.0).then(exec(put().check(status().in(200, 201)))),
        percent(1.0).then(exec(list().check(status().is(200), jsonPath("$.items").exists()))));
  }

  /**
   * The mix recorded per time window by the recorder; the validations decide what counts as KO in Gatling's
   * report (e.g. Stress and Overload accept 503 as a legitimate answer and judge it in the recorder).
   */
  static ChainBuilder recordedMix(Recorder rec, CheckBuilder getOk, CheckBuilder writeOk, CheckBuilder listOk) {
    if (writesOnly()) {
      return rec.timed(put(), writeOk);
    }
    return randomSwitch().on(
        percent(95.0).then(rec.timed(get(), getOk)),
        percent(4.0).then(rec.timed(put(), writeOk)),
        percent(1.0).then(rec.timed(list(), listOk)));
  }
}
