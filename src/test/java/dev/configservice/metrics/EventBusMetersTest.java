package dev.configservice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The event bus meters against vertx-micrometer's own: the same traffic through two real Vert.x instances, one
 * measured by vertx-micrometer and one by {@link EventBusMeters}, must scrape to the same vertx_eventbus lines
 * (names, help texts, labels and values), with labels as the service sets them and as vertx-micrometer's defaults.
 */
class EventBusMetersTest {

  @Test
  void scrapesAsVertxMicrometerDoesWithTheServiceLabels() throws Exception {
    MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(true)
        .addLabels(Label.HTTP_ROUTE, Label.EB_ADDRESS);
    assertThat(eventBusLines(options, true)).isEqualTo(eventBusLines(options, false)).isNotEmpty()
        .contains("vertx_eventbus_published_total{address=\"changes\",side=\"local\"} 5.0",
            "vertx_eventbus_processed_total{address=\"changes\",side=\"local\"} 10.0",
            "vertx_eventbus_pending{address=\"changes\",side=\"local\"} 0.0",
            "vertx_eventbus_handlers{address=\"changes\"} 0.0",
            "vertx_eventbus_received_total{address=\"nobody\",side=\"local\"} 2.0");
  }

  @Test
  void scrapesAsVertxMicrometerDoesWithItsDefaultLabelsAndFailureLabels() throws Exception {
    MicrometerMetricsOptions defaults = new MicrometerMetricsOptions().setEnabled(true);
    assertThat(eventBusLines(defaults, true)).isEqualTo(eventBusLines(defaults, false)).isNotEmpty();
    MicrometerMetricsOptions failures = new MicrometerMetricsOptions().setEnabled(true)
        .addLabels(Label.EB_ADDRESS, Label.EB_FAILURE);
    assertThat(eventBusLines(failures, true)).isEqualTo(eventBusLines(failures, false))
        .anyMatch(line -> line.contains("failure=\"NO_HANDLERS\""));
  }

  /** Runs the same event bus traffic on a fresh Vert.x and returns the sorted vertx_eventbus lines of its scrape. */
  private static List<String> eventBusLines(MicrometerMetricsOptions options, boolean ours) throws Exception {
    PrometheusMeterRegistry registry = Metrics.createRegistry();
    VertxMetricsFactory factory = ours ? new ServiceMetricsFactory(registry) : new MicrometerMetricsFactory(registry);
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(options)).withMetrics(factory).build();
    try {
      EventBus bus = vertx.eventBus();
      CountDownLatch delivered = new CountDownLatch(5 * 2 + 2);
      List<MessageConsumer<Object>> consumers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        consumers.add(bus.consumer("changes", m -> delivered.countDown()));
      }
      MessageConsumer<Object> echo = bus.consumer("echo", m -> {
        m.reply(m.body());
        delivered.countDown();
      });
      await(Future.all(consumers.stream().map(MessageConsumer::completion).toList()));
      await(echo.completion());
      for (int i = 0; i < 5; i++) {
        bus.publish("changes", "change " + i);
      }
      await(bus.request("echo", "ping"));
      bus.send("echo", "one way");
      bus.send("nobody", "lost");
      Throwable noHandlers = await(bus.request("nobody", "anyone?", new DeliveryOptions().setSendTimeout(2000))
          .transform(ar -> Future.succeededFuture(ar.cause())));
      assertThat(noHandlers).isNotNull();
      assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();
      for (MessageConsumer<Object> c : consumers) {
        await(c.unregister());
      }
      // Handler completion and counting happen on event loops: let them settle before the scrape.
      Thread.sleep(200);
      return Stream.of(registry.scrape().split("\n"))
          .filter(line -> line.contains("vertx_eventbus_"))
          .sorted()
          .collect(Collectors.toList());
    } finally {
      await(vertx.close());
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
