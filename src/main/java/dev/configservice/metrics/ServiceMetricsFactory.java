package dev.configservice.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.function.Supplier;

/**
 * Vert.x's metrics: vertx-micrometer's for everything (pools, connections, JVM), except the HTTP server's
 * per-request meters and the event bus's, which {@link HttpRequestMetrics} and {@link EventBusMeters} record under
 * the same names with meters resolved once instead of on every request or message.
 */
public final class ServiceMetricsFactory implements VertxMetricsFactory {

  private final MicrometerMetricsFactory micrometer;
  private final MeterRegistry registry;
  private final HttpRequestMetrics.Meters meters;

  public ServiceMetricsFactory(MeterRegistry registry) {
    this.micrometer = new MicrometerMetricsFactory(registry);
    this.registry = registry;
    this.meters = new HttpRequestMetrics.Meters(registry);
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    MicrometerMetricsOptions micrometerOptions = options.getMetricsOptions() instanceof MicrometerMetricsOptions m
        ? m : new MicrometerMetricsOptions();
    // Label rules (renames, ignores) are vertx-micrometer's to apply: with any, its event bus meters stay.
    Supplier<EventBusMetrics<?>> eventBus = micrometerOptions.getLabelMatches().isEmpty()
        ? () -> new EventBusMeters(registry, micrometerOptions.getMetricsNaming(), micrometerOptions.getLabels())
        : null;
    return new Metrics(micrometer.metrics(options), meters, eventBus);
  }

  @Override
  public MetricsOptions newOptions() {
    return micrometer.newOptions();
  }

  @Override
  public MetricsOptions newOptions(MetricsOptions options) {
    return micrometer.newOptions(options);
  }

  @Override
  public MetricsOptions newOptions(JsonObject json) {
    return micrometer.newOptions(json);
  }

  /** vertx-micrometer's metrics with the HTTP server's request meters and the event bus meters replaced. */
  private static final class Metrics implements VertxMetrics {
    private final VertxMetrics delegate;
    private final HttpRequestMetrics.Meters meters;
    private final Supplier<EventBusMetrics<?>> eventBus;

    Metrics(VertxMetrics delegate, HttpRequestMetrics.Meters meters, Supplier<EventBusMetrics<?>> eventBus) {
      this.delegate = delegate;
      this.meters = meters;
      this.eventBus = eventBus;
    }

    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      HttpServerMetrics<?, ?, ?> tcp = delegate.createHttpServerMetrics(options, localAddress);
      return tcp == null ? null : new HttpRequestMetrics(tcp, meters);
    }

    @Override
    public EventBusMetrics<?> createEventBusMetrics() {
      EventBusMetrics<?> micrometer = delegate.createEventBusMetrics();
      // null: the event bus domain is disabled
      return micrometer == null || eventBus == null ? micrometer : eventBus.get();
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
      return delegate.createClientMetrics(remoteAddress, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      return delegate.createHttpClientMetrics(options);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
      return delegate.createNetServerMetrics(options, localAddress);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return delegate.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return delegate.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
      return delegate.createPoolMetrics(type, name, maxSize);
    }

    @Override
    public void vertxCreated(Vertx vertx) {
      delegate.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return delegate.isMetricsEnabled();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
