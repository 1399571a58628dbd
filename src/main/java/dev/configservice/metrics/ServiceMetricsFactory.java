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

/**
 * Vert.x's metrics: vertx-micrometer's for everything (event bus, pools, connections, JVM), except the HTTP
 * server's per-request meters, which {@link HttpRequestMetrics} records under the same names with meters
 * resolved once instead of on every request.
 */
public final class ServiceMetricsFactory implements VertxMetricsFactory {

  private final MicrometerMetricsFactory micrometer;
  private final HttpRequestMetrics.Meters meters;

  public ServiceMetricsFactory(MeterRegistry registry) {
    this.micrometer = new MicrometerMetricsFactory(registry);
    this.meters = new HttpRequestMetrics.Meters(registry);
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    return new Metrics(micrometer.metrics(options), meters);
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

  /** vertx-micrometer's metrics with the HTTP server's request meters replaced. */
  private static final class Metrics implements VertxMetrics {
    private final VertxMetrics delegate;
    private final HttpRequestMetrics.Meters meters;

    Metrics(VertxMetrics delegate, HttpRequestMetrics.Meters meters) {
      this.delegate = delegate;
      this.meters = meters;
    }

    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      HttpServerMetrics<?, ?, ?> tcp = delegate.createHttpServerMetrics(options, localAddress);
      return tcp == null ? null : new HttpRequestMetrics(tcp, meters);
    }

    @Override
    public EventBusMetrics<?> createEventBusMetrics() {
      return delegate.createEventBusMetrics();
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
