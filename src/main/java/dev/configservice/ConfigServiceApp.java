package dev.configservice;

import dev.configservice.cache.CacheVerticle;
import dev.configservice.cache.ConfigCache;
import dev.configservice.cache.ConfigChangedCodec;
import dev.configservice.config.ServiceConfig;
import dev.configservice.domain.ConfigChanged;
import dev.configservice.domain.ConfigStore;
import dev.configservice.health.Readiness;
import dev.configservice.http.EntryJson;
import dev.configservice.http.HttpDependencies;
import dev.configservice.http.HttpVerticle;
import dev.configservice.metrics.CloudWatchEmfPublisher;
import dev.configservice.metrics.Metrics;
import dev.configservice.metrics.ServiceMetricsFactory;
import dev.configservice.store.AdaptiveLimit;
import dev.configservice.store.InstrumentedConfigStore;
import dev.configservice.store.dynamodb.DynamoDbConfigStore;
import dev.configservice.store.dynamodb.DynamoDbSettings;
import dev.configservice.store.embedded.MvStoreConfigStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the service by hand, top to bottom: metrics, Vert.x, the store, the cache, readiness, then the
 * verticles. {@link #stop()} undoes it in reverse, gracefully.
 */
public final class ConfigServiceApp {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigServiceApp.class);

  private final ServiceConfig config;
  private final Vertx vertx;
  private final ConfigStore store;
  private final Readiness readiness;
  private final HttpDependencies http;
  private final String httpDeployment;
  private final long publisherTimer;
  private final CloudWatchEmfPublisher publisher;

  private ConfigServiceApp(ServiceConfig config, Vertx vertx, ConfigStore store, Readiness readiness,
                           HttpDependencies http, String httpDeployment, CloudWatchEmfPublisher publisher,
                           long publisherTimer) {
    this.config = config;
    this.vertx = vertx;
    this.store = store;
    this.readiness = readiness;
    this.http = http;
    this.httpDeployment = httpDeployment;
    this.publisher = publisher;
    this.publisherTimer = publisherTimer;
  }

  /** Starts the service; the future completes once it listens. */
  public static Future<ConfigServiceApp> start(ServiceConfig config) {
    long started = System.nanoTime();
    Buffer openApi = openApiDocument(); // read here, on the caller's thread, not on an event loop
    PrometheusMeterRegistry registry = Metrics.createRegistry();
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions()
            .setPreferNativeTransport(true)
            // One event loop per HTTP verticle: the cache verticle then shares a loop with HTTP traffic
            // instead of sleeping on a loop of its own that every change has to wake.
            .setEventLoopPoolSize(config.httpInstances())
            .setMetricsOptions(new MicrometerMetricsOptions()
                .setEnabled(true)
                .setJvmMetricsEnabled(true)
                .addLabels(Label.HTTP_ROUTE, Label.EB_ADDRESS)))
        .withMetrics(new ServiceMetricsFactory(registry))
        .build();
    vertx.eventBus().registerDefaultCodec(ConfigChanged.class, new ConfigChangedCodec());
    Clock clock = Clock.systemUTC();

    return openStore(vertx, config, clock, registry)
        .map(raw -> (ConfigStore) new InstrumentedConfigStore(vertx, raw, config.storeTimeout(), registry,
            writeLimit(config)))
        .compose(store -> {
          ConfigCache cache = new ConfigCache(config.cacheMaxEntries(), config.cacheMaxBytes(), config.cacheTtl(),
              config.cacheStaleIfError(), EntryJson::entryBytes, EntryJson::etag, registry);
          Readiness readiness = new Readiness(vertx, store, config.readyInterval(), registry);
          readiness.start();
          HttpDependencies deps = HttpDependencies.create(config, store, cache, readiness, registry, openApi);
          return vertx.deployVerticle(() -> new CacheVerticle(cache), new DeploymentOptions())
              .compose(id -> vertx.deployVerticle(() -> new HttpVerticle(deps),
                  new DeploymentOptions().setInstances(config.httpInstances())))
              .map(httpId -> {
                CloudWatchEmfPublisher publisher = null;
                long timer = -1;
                if (config.cloudWatch().enabled()) {
                  publisher = new CloudWatchEmfPublisher(registry, config.cloudWatch().namespace(),
                      config.cloudWatch().serviceName(), System.out, clock);
                  CloudWatchEmfPublisher p = publisher;
                  // stdout may block when its reader is slow: publish off the event loop
                  timer = vertx.setPeriodic(config.cloudWatch().interval().toMillis(),
                      t -> vertx.executeBlocking(() -> {
                        p.publish();
                        return null;
                      }, false));
                }
                ConfigServiceApp app = new ConfigServiceApp(config, vertx, store, readiness, deps, httpId, publisher, timer);
                LOG.info("config service listening on {}:{} with the {} store, {} HTTP verticles, started in {} ms",
                    config.host(), app.port(), config.store().name().toLowerCase(java.util.Locale.ROOT),
                    config.httpInstances(), (System.nanoTime() - started) / 1_000_000);
                return app;
              })
              .recover(failure -> {
                deps.close();
                return store.close().transform(v -> Future.failedFuture(failure));
              });
        })
        .onFailure(failure -> {
          LOG.error("config service failed to start: {}", failure.toString());
          // Closing Vert.x ends the context this future reports on, so close it after the caller has heard.
          vertx.setTimer(100, t -> vertx.close());
        });
  }

  /** The most writes the adaptive limit lets wait on the store at once, whatever MAX_IN_FLIGHT allows. */
  static final int WRITE_LIMIT_MAX = 4096;

  /**
   * The adaptive write limit (see {@link AdaptiveLimit}): starts at MAX_IN_FLIGHT or {@link #WRITE_LIMIT_MAX},
   * whichever is lower (it refuses nothing until the store shows a queue standing for 1 s), never below 4; adjusted
   * at most every 100 ms; off when SHED_WRITE_LATENCY is off.
   */
  static AdaptiveLimit writeLimit(ServiceConfig config) {
    if (!config.adaptiveWriteLimit()) {
      return null;
    }
    int max = Math.min(config.maxInFlight(), WRITE_LIMIT_MAX);
    int min = Math.min(4, max);
    return new AdaptiveLimit(max, min, max, config.shedWriteLatency(), Duration.ofSeconds(1),
        Duration.ofMillis(100), System::nanoTime);
  }

  private static Future<? extends ConfigStore> openStore(Vertx vertx, ServiceConfig config, Clock clock,
                                                         PrometheusMeterRegistry registry) {
    if (config.store() == ServiceConfig.StoreKind.DYNAMODB) {
      ServiceConfig.DynamoDb d = config.dynamoDb();
      DynamoDbSettings settings = new DynamoDbSettings(d.table(), d.region(), d.endpoint(), d.createTable(),
          d.apiCallTimeout(), d.apiCallAttemptTimeout(), config.maxVersions());
      return DynamoDbConfigStore.start(vertx, settings, clock, registry);
    }
    return MvStoreConfigStore.open(vertx, config.dataDir(), config.maxVersions(), clock,
        config.durability() == ServiceConfig.Durability.FSYNC, config.maxHeapForWritesPercent());
  }

  private static Buffer openApiDocument() {
    try (InputStream in = ConfigServiceApp.class.getResourceAsStream("/openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port the HTTP API listens on (the real one when the configured port was 0). */
  public int port() {
    return http.actualPort().get();
  }

  /** The process's meter registry (what /metrics shows). */
  public PrometheusMeterRegistry registry() {
    return http.registry();
  }

  public Vertx vertx() {
    return vertx;
  }

  public ServiceConfig config() {
    return config;
  }

  /**
   * Graceful stop: report not ready, stop accepting and let in-flight requests finish (bounded by the shutdown
   * timeout), publish the last metrics, then flush and close the store and Vert.x.
   */
  public Future<Void> stop() {
    LOG.info("shutting down: draining in-flight requests for up to {}", config.shutdownTimeout());
    readiness.markShuttingDown();
    // Not bound to a Vert.x context: it completes after Vert.x, and with it every context, is closed.
    Promise<Void> stopped = Promise.promise();
    vertx.undeploy(httpDeployment)
        .eventually(() -> {
          http.close();
          readiness.stop();
          if (publisher != null) {
            vertx.cancelTimer(publisherTimer);
            publisher.publish();
          }
          return store.close();
        })
        .onComplete(ar -> new Thread(() -> {
          // Closed from a plain thread, so Vert.x reports the close there rather than on a closing event loop.
          vertx.close().onComplete(closed -> {
            LOG.info("shut down{}", ar.failed() ? " with an error: " + ar.cause() : "");
            if (ar.failed()) {
              stopped.fail(ar.cause());
            } else {
              stopped.complete();
            }
          });
        }, "config-service-stop").start());
    return stopped.future();
  }
}
