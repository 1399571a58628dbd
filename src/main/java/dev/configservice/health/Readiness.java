package dev.configservice.health;

import dev.configservice.domain.ConfigStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this instance should get traffic: the store answered its last probe and the instance is not
 * shutting down. Probes run on a timer, so /health/ready answers from memory and recovers on its own when
 * the store comes back.
 */
public final class Readiness {

  private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);

  private final Vertx vertx;
  private final ConfigStore store;
  private final Duration interval;
  private volatile boolean storeUp;
  private volatile String storeProblem = "not probed yet";
  private volatile boolean shuttingDown;
  private long timerId = -1;
  private boolean probing;

  public Readiness(Vertx vertx, ConfigStore store, Duration interval, MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.interval = interval;
    Gauge.builder("config.store.ready", this, r -> r.storeUp ? 1 : 0)
        .description("1 while the store answers probes, 0 otherwise").register(registry);
  }

  /** Probes now and then every interval. */
  public void start() {
    probe();
    timerId = vertx.setPeriodic(interval.toMillis(), id -> probe());
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  /** From now on the instance reports not ready, so load balancers drain it. */
  public void markShuttingDown() {
    shuttingDown = true;
  }

  public boolean ready() {
    return storeUp && !shuttingDown;
  }

  public boolean storeUp() {
    return storeUp;
  }

  public boolean shuttingDown() {
    return shuttingDown;
  }

  /** Why the store is not up, or null when it is. */
  public String storeProblem() {
    return storeUp ? null : storeProblem;
  }

  private void probe() {
    if (probing) {
      return; // the previous probe has not answered yet; its own timeout will end it
    }
    probing = true;
    store.ping().onComplete(ar -> {
      probing = false;
      boolean up = ar.succeeded();
      if (up != storeUp) {
        if (up) {
          LOG.info("store is answering: ready");
        } else {
          LOG.warn("store is not answering: not ready ({})", ar.cause().toString());
        }
      }
      storeProblem = up ? null : String.valueOf(ar.cause().getMessage());
      storeUp = up;
    });
  }
}
