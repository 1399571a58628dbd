package dev.configservice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP server's per-request meters, under vertx-micrometer's names, labels and help texts (so dashboards,
 * alarms and the CloudWatch records read them unchanged):
 * <ul>
 *   <li>{@code vertx.http.server.active.requests} {method}: requests begun and not yet both read and answered;</li>
 *   <li>{@code vertx.http.server.requests} and {@code vertx.http.server.response.time} {method, route, code};</li>
 *   <li>{@code vertx.http.server.request.resets} {method}.</li>
 * </ul>
 * vertx-micrometer builds a tag set and looks each of its five meters up in the registry on every request; here
 * each meter is resolved once per method or (method, route, code) and kept, which takes most of the metrics'
 * cost off a cached read. Connection and byte counts stay with vertx-micrometer ({@code tcp}). Request and
 * response size summaries are not recorded: a summary update per request says little about a config API whose
 * bodies are bounded, and vertx_http_server_bytes_read/written_total still count the traffic.
 */
final class HttpRequestMetrics implements HttpServerMetrics<HttpRequestMetrics.Request, Object, Object> {

  static final String ACTIVE = "vertx.http.server.active.requests";
  static final String REQUESTS = "vertx.http.server.requests";
  static final String RESETS = "vertx.http.server.request.resets";

  /** The meters of every HTTP server in the process (one per verticle instance), resolved once each. */
  static final class Meters {
    private final MeterRegistry registry;
    private final ConcurrentMap<String, LongAdder> active = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> resets = new ConcurrentHashMap<>();
    private final ConcurrentMap<Outcome, Answered> answered = new ConcurrentHashMap<>();
    /** The last answer's meters, shared by the event loops (immutable, so a racy read sees a whole one). */
    private volatile Last last;

    Meters(MeterRegistry registry) {
      this.registry = registry;
    }

    LongAdder active(String method) {
      LongAdder adder = active.get(method);
      return adder != null ? adder : active.computeIfAbsent(method, m -> {
        LongAdder a = new LongAdder();
        Gauge.builder(ACTIVE, a, LongAdder::doubleValue).description("Number of requests being processed")
            .tag("method", m).register(registry);
        return a;
      });
    }

    Counter resets(String method) {
      return resets.computeIfAbsent(method, m -> Counter.builder(RESETS).description("Number of request resets")
          .tag("method", m).register(registry));
    }

    Answered answered(String method, String route, int code) {
      // Most answers repeat the one before (the same method, route name and status): compared by identity
      // first, those skip hashing two strings and a record (~0.3 us per request in the POST profile).
      Last seen = last;
      if (seen != null && seen.code == code && seen.method == method && seen.route == route) {
        return seen.meters;
      }
      Outcome key = new Outcome(method, route, code);
      Answered meters = answered.get(key);
      if (meters == null) {
        meters = register(key);
      }
      last = new Last(method, route, code, meters);
      return meters;
    }

    private Answered register(Outcome key) {
      return answered.computeIfAbsent(key, k -> {
        String status = Integer.toString(k.code);
        return new Answered(
            Counter.builder(REQUESTS).description("Number of processed requests")
                .tags("method", k.method, "route", k.route, "code", status).register(registry),
            Timer.builder(Metrics.HTTP_TIMER).description("Request processing time")
                .tags("method", k.method, "route", k.route, "code", status).register(registry));
      });
    }
  }

  private record Outcome(String method, String route, int code) {
  }

  private record Answered(Counter requests, Timer time) {
  }

  private record Last(String method, String route, int code, Answered meters) {
  }

  /** One request's state; touched only on its connection's event loop. */
  static final class Request {
    final String method;
    final LongAdder active;
    final long start = System.nanoTime();
    private String route;
    private boolean requestEnded;
    private boolean responseEnded;
    private boolean reset;

    Request(String method, LongAdder active) {
      this.method = method;
      this.active = active;
      active.increment();
    }

    void routed(String name) {
      if (name != null) {
        route = route == null ? name : route + ">" + name; // vertx-micrometer's form for nested routers
      }
    }
  }

  private final HttpServerMetrics<Object, Object, Object> tcp;
  private final Meters meters;

  @SuppressWarnings("unchecked")
  HttpRequestMetrics(HttpServerMetrics<?, ?, ?> tcp, Meters meters) {
    this.tcp = (HttpServerMetrics<Object, Object, Object>) tcp;
    this.meters = meters;
  }

  @Override
  public Object connected(SocketAddress remoteAddress, String remoteName) {
    return tcp.connected(remoteAddress, remoteName);
  }

  // A connection can come without a socket metric: Vert.x 5.0.7 accepts connections as soon as the port is bound
  // and creates the server's metrics a moment later (NetServerImpl.bind), so a connection accepted in between has
  // none while its HTTP layer already sees the metrics. vertx-micrometer dereferences the socket metric, and the
  // NullPointerException from the first answer's byte count left that connection's answer half-done and every
  // later request on it unanswered (a client that polled readiness at start-up kept such a connection). Its bytes
  // go uncounted instead.

  @Override
  public void disconnected(Object socketMetric, SocketAddress remoteAddress) {
    if (socketMetric != null) {
      tcp.disconnected(socketMetric, remoteAddress);
    }
  }

  @Override
  public void bytesRead(Object socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
    if (socketMetric != null) {
      tcp.bytesRead(socketMetric, remoteAddress, numberOfBytes);
    }
  }

  @Override
  public void bytesWritten(Object socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
    if (socketMetric != null) {
      tcp.bytesWritten(socketMetric, remoteAddress, numberOfBytes);
    }
  }

  @Override
  public void exceptionOccurred(Object socketMetric, SocketAddress remoteAddress, Throwable t) {
    if (socketMetric != null) {
      tcp.exceptionOccurred(socketMetric, remoteAddress, t);
    }
  }

  @Override
  public Request requestBegin(Object socketMetric, HttpRequest request) {
    String method = label(request.method());
    return new Request(method, meters.active(method));
  }

  /**
   * The method label: a standard method's name, or OTHER. Vert.x accepts any token as a method, and a label per
   * token would let clients create meters without bound.
   */
  static String label(HttpMethod method) {
    return STANDARD_METHODS.contains(method) ? method.name() : "OTHER";
  }

  private static final Set<HttpMethod> STANDARD_METHODS = Set.copyOf(HttpMethod.values());

  @Override
  public Request responsePushed(Object socketMetric, HttpMethod method, String uri, HttpResponse response) {
    Request pushed = new Request(label(method), meters.active(label(method)));
    pushed.requestEnded = true; // a pushed response has no request to read
    return pushed;
  }

  @Override
  public void requestRouted(Request request, String route) {
    request.routed(route);
  }

  @Override
  public void requestEnd(Request request, HttpRequest httpRequest, long bytesRead) {
    request.requestEnded = true;
    if (!request.reset && request.responseEnded) {
      request.active.decrement();
    }
  }

  @Override
  public void requestReset(Request request) {
    meters.resets(request.method).increment();
    if (!request.reset && !(request.requestEnded && request.responseEnded)) {
      request.active.decrement();
    }
    request.reset = true;
  }

  @Override
  public void responseEnd(Request request, HttpResponse response, long bytesWritten) {
    Answered a = meters.answered(request.method, request.route == null ? "" : request.route, response.statusCode());
    a.requests.increment();
    a.time.record(System.nanoTime() - request.start, TimeUnit.NANOSECONDS);
    request.responseEnded = true;
    if (!request.reset && request.requestEnded) {
      request.active.decrement();
    }
  }

  @Override
  public Object connected(Object socketMetric, Request request, ServerWebSocket serverWebSocket) {
    return tcp.connected(socketMetric, null, serverWebSocket);
  }

  @Override
  public void disconnected(Object serverWebSocketMetric) {
    tcp.disconnected(serverWebSocketMetric);
  }

  @Override
  public void close() {
    tcp.close();
  }
}
