package dev.configservice.http;

import dev.configservice.cache.ConfigCache;
import dev.configservice.config.ServiceConfig;
import dev.configservice.domain.ConfigStore;
import dev.configservice.health.Readiness;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/** What every HTTP verticle instance shares: made once by the wiring class, handed to each instance. */
public record HttpDependencies(
    ServiceConfig config,
    ConfigStore store,
    ConfigCache cache,
    Readiness readiness,
    PrometheusMeterRegistry registry,
    Buffer openApiDocument,
    Admission admission,
    AtomicInteger connections,
    Counter connectionsRefused,
    AtomicInteger actualPort) {

  public static HttpDependencies create(ServiceConfig config, ConfigStore store, ConfigCache cache,
                                        Readiness readiness, PrometheusMeterRegistry registry, Buffer openApi) {
    // A heap too full for writes also shrinks the read cache, so that writes are refused for moments, not for as
    // long as the cache stays full; it gets its bound back once the heap has had room for a while.
    HeapPressure.Response cacheYields = underPressure -> {
      if (underPressure) {
        cache.yieldHeap();
      } else if (cache.restoreHeapIfCalm()) {
        LoggerFactory.getLogger(HeapPressure.class).info("heap pressure over: the read cache is back to its bound of "
            + "{} MiB", cache.maxBytes() >> 20);
      }
    };
    Admission admission = new Admission(config.maxInFlight(), config.maxInFlightBytes(), config.maxBodyBytes(),
        config.maxHeapForWritesPercent(), cacheYields, registry);
    AtomicInteger connections = new AtomicInteger();
    Gauge.builder("config.http.connections", connections, AtomicInteger::get)
        .description("open HTTP connections (MAX_CONNECTIONS bounds them)").register(registry);
    Counter connectionsRefused = Counter.builder("config.http.connections.refused")
        .description("connections beyond MAX_CONNECTIONS, answered 503 and closed").register(registry);
    return new HttpDependencies(config, store, cache, readiness, registry, openApi, admission,
        connections, connectionsRefused, new AtomicInteger());
  }

  /** Releases what the shared state holds outside the instance (the heap watch's listeners on the JVM). */
  public void close() {
    admission.close();
  }
}
