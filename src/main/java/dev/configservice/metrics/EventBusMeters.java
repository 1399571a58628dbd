package dev.configservice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MetricsNaming;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The event bus's meters, under vertx-micrometer's names, labels, help texts and semantics ({@code
 * vertx_eventbus_handlers}, {@code _pending}, {@code _processed}, {@code _published}, {@code _sent}, {@code
 * _received}, {@code _delivered}, {@code _discarded}, {@code _replyFailures}, {@code _bytesRead}, {@code
 * _bytesWritten}; tagged by address and side as the options say; addresses under {@code __vertx.} not
 * recorded). vertx-micrometer builds a tag set, looks meters up in the registry and re-registers the pending
 * gauge for every message; every change the service makes is published, so that was about a microsecond of
 * each write's event-loop time. Here each address's meters are resolved once, on first use, and kept.
 */
final class EventBusMeters implements EventBusMetrics<EventBusMeters.Address> {

  private final MeterRegistry registry;
  private final MetricsNaming names;
  private final boolean addressLabel;
  private final boolean sideLabel;
  private final boolean failureLabel;
  private final ConcurrentMap<String, Address> addresses = new ConcurrentHashMap<>();

  EventBusMeters(MeterRegistry registry, MetricsNaming names, Set<Label> labels) {
    this.registry = registry;
    this.names = names.withBaseName("vertx." + MetricsDomain.EVENT_BUS.toCategory() + "."); // as vertx-micrometer's
    this.addressLabel = labels.contains(Label.EB_ADDRESS);
    this.sideLabel = labels.contains(Label.EB_SIDE);
    this.failureLabel = labels.contains(Label.EB_FAILURE);
  }

  private static boolean isInternal(String address) {
    return address.startsWith("__vertx.");
  }

  private Address address(String name) {
    Address a = addresses.get(name);
    return a != null ? a : addresses.computeIfAbsent(name, Address::new);
  }

  @Override
  public Address handlerRegistered(String address) {
    if (isInternal(address)) {
      return null;
    }
    Address a = address(address);
    a.handlers().increment();
    a.side(true).pending();
    a.side(false).pending();
    a.side(true).processed();
    a.side(true).discarded();
    a.side(false).processed();
    a.side(false).discarded();
    return a;
  }

  @Override
  public void handlerUnregistered(Address handler) {
    if (handler != null) {
      handler.handlers().decrement();
    }
  }

  @Override
  public void messageDelivered(Address handler, boolean local) {
    if (handler != null) {
      Side side = handler.side(local);
      side.pending().decrement();
      side.processed().increment();
    }
  }

  @Override
  public void discardMessage(Address handler, boolean local, Message<?> msg) {
    if (handler != null) {
      Side side = handler.side(local);
      side.pending().decrement();
      side.discarded().increment();
    }
  }

  @Override
  public void messageSent(String address, boolean publish, boolean local, boolean remote) {
    if (!isInternal(address)) {
      Side side = address(address).side(local);
      (publish ? side.published() : side.sent()).increment();
    }
  }

  @Override
  public void messageReceived(String address, boolean publish, boolean local, int handlers) {
    if (isInternal(address)) {
      return;
    }
    Side side = address(address).side(local);
    side.received().increment();
    if (handlers > 0) {
      side.pending().add(handlers);
      side.delivered().increment();
    }
  }

  @Override
  public void messageWritten(String address, int numberOfBytes) {
    if (!isInternal(address)) {
      address(address).bytesWritten().record(numberOfBytes);
    }
  }

  @Override
  public void messageRead(String address, int numberOfBytes) {
    if (!isInternal(address)) {
      address(address).bytesRead().record(numberOfBytes);
    }
  }

  @Override
  public void replyFailure(String address, ReplyFailure failure) {
    if (!isInternal(address)) {
      address(address).replyFailures(failure).increment();
    }
  }

  /** One address's meters; each registered on first use (as vertx-micrometer does), then kept. */
  final class Address {
    private final Tags tags;
    private final Side local;
    private final Side remote;
    private final Map<ReplyFailure, Counter> replyFailures = new ConcurrentHashMap<>();
    private volatile LongAdder handlers;
    private volatile DistributionSummary bytesRead;
    private volatile DistributionSummary bytesWritten;

    Address(String name) {
      this.tags = addressLabel ? Tags.of(Label.EB_ADDRESS.toString(), name) : Tags.empty();
      this.local = new Side(sideLabel ? tags.and(Label.EB_SIDE.toString(), "local") : tags);
      this.remote = new Side(sideLabel ? tags.and(Label.EB_SIDE.toString(), "remote") : tags);
    }

    Side side(boolean isLocal) {
      return isLocal ? local : remote;
    }

    LongAdder handlers() {
      LongAdder h = handlers;
      if (h == null) {
        h = handlers = gauge(names.getEbHandlers(), "Number of event bus handlers in use", tags);
      }
      return h;
    }

    DistributionSummary bytesRead() {
      DistributionSummary s = bytesRead;
      if (s == null) {
        s = bytesRead = DistributionSummary.builder(names.getEbBytesRead())
            .description("Number of bytes received while reading messages from event bus cluster peers")
            .tags(tags).register(registry);
      }
      return s;
    }

    DistributionSummary bytesWritten() {
      DistributionSummary s = bytesWritten;
      if (s == null) {
        s = bytesWritten = DistributionSummary.builder(names.getEbBytesWritten())
            .description("Number of bytes sent while sending messages to event bus cluster peers")
            .tags(tags).register(registry);
      }
      return s;
    }

    Counter replyFailures(ReplyFailure failure) {
      return replyFailures.computeIfAbsent(failure, f -> counter(names.getEbReplyFailures(),
          "Number of message reply failures", failureLabel ? tags.and(Label.EB_FAILURE.toString(), f.name()) : tags));
    }
  }

  /** An address's meters on one side (messages from this process, or from cluster peers). */
  final class Side {
    private final Tags tags;
    private volatile LongAdder pending;
    private volatile Counter processed;
    private volatile Counter discarded;
    private volatile Counter published;
    private volatile Counter sent;
    private volatile Counter received;
    private volatile Counter delivered;

    Side(Tags tags) {
      this.tags = tags;
    }

    LongAdder pending() {
      LongAdder p = pending;
      if (p == null) {
        p = pending = gauge(names.getEbPending(), "Number of messages not processed yet", tags);
      }
      return p;
    }

    Counter processed() {
      Counter c = processed;
      return c != null ? c : (processed = counter(names.getEbProcessed(), "Number of processed messages", tags));
    }

    Counter discarded() {
      Counter c = discarded;
      return c != null ? c : (discarded = counter(names.getEbDiscarded(), "Number of discarded messages", tags));
    }

    Counter published() {
      Counter c = published;
      return c != null ? c
          : (published = counter(names.getEbPublished(), "Number of messages published (publish / subscribe)", tags));
    }

    Counter sent() {
      Counter c = sent;
      return c != null ? c : (sent = counter(names.getEbSent(), "Number of messages sent (point-to-point)", tags));
    }

    Counter received() {
      Counter c = received;
      return c != null ? c : (received = counter(names.getEbReceived(), "Number of messages received", tags));
    }

    Counter delivered() {
      Counter c = delivered;
      return c != null ? c
          : (delivered = counter(names.getEbDelivered(), "Number of messages delivered to handlers", tags));
    }
  }

  private Counter counter(String name, String description, Tags tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  /** A gauge reading a counter held here; one adder per name and tags, however often it is asked for. */
  private final ConcurrentMap<String, LongAdder> gauges = new ConcurrentHashMap<>();

  private LongAdder gauge(String name, String description, Tags tags) {
    Function<String, LongAdder> create = k -> {
      LongAdder adder = new LongAdder();
      Gauge.builder(name, adder, LongAdder::doubleValue).description(description).tags(tags).register(registry);
      return adder;
    };
    return gauges.computeIfAbsent(name + tags, create);
  }
}
