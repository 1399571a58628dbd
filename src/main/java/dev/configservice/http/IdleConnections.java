package dev.configservice.http;

import io.vertx.core.http.HttpConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Closes the connections on which no request has begun for IDLE_TIMEOUT (counted from the connection's opening
 * for the first one), so that abandoned keep-alive connections, and clients that open a connection and send
 * nothing or trickle a request, do not hold a connection slot and its memory for good.
 *
 * <p>It replaces Vert.x's own idle timeout, Netty's {@code IdleStateHandler}, which reads the clock on every read
 * and hooks a listener into every write: about 3% of the CPU of a cached read (docs/performance.md, round 11).
 * Here a request costs one identity-map lookup and a field write, and the clock is a sweep count: every
 * twentieth of the timeout, one sweep per event loop closes the connections whose last request began before the
 * previous twenty sweeps, i.e. between 1 and 1.05 times the timeout ago. A request still in progress that long
 * after it began (a store call is bounded by STORE_TIMEOUT, so only a client that does not read its answer or
 * send its body) is cut off with its connection.
 *
 * <p>One instance per HTTP verticle, touched only on its event loop: its connections and their requests stay there.
 */
final class IdleConnections {

  /** Sweeps per timeout: the timeout's precision is one sweep interval, a twentieth of it. */
  static final int SWEEPS_PER_TIMEOUT = 20;

  private final Duration timeout;
  private final Map<HttpConnection, Seen> open = new IdentityHashMap<>();
  private long sweeps;

  /** The sweep during which a connection last began a request (or opened). */
  private static final class Seen {
    long sweep;

    Seen(long sweep) {
      this.sweep = sweep;
    }
  }

  IdleConnections(Duration timeout) {
    this.timeout = timeout;
  }

  /** How often {@link #sweep} must run. */
  Duration sweepInterval() {
    return timeout.dividedBy(SWEEPS_PER_TIMEOUT);
  }

  void opened(HttpConnection connection) {
    open.put(connection, new Seen(sweeps));
  }

  void closed(HttpConnection connection) {
    open.remove(connection);
  }

  void requestBegun(HttpConnection connection) {
    Seen seen = open.get(connection);
    if (seen != null) {
      seen.sweep = sweeps;
    }
  }

  /** Connections this instance tracks (open and not yet closed). */
  int size() {
    return open.size();
  }

  /** Closes the connections idle for the timeout; returns how many it closed. */
  int sweep() {
    sweeps++;
    List<HttpConnection> idle = new ArrayList<>();
    for (Map.Entry<HttpConnection, Seen> e : open.entrySet()) {
      // Seen during sweep interval s, idle since at least the end of that interval.
      if (sweeps - e.getValue().sweep - 1 >= SWEEPS_PER_TIMEOUT) {
        idle.add(e.getKey());
      }
    }
    for (HttpConnection connection : idle) {
      open.remove(connection); // its close handler may run later, or (on this loop) at once
      connection.close();
    }
    return idle.size();
  }
}
