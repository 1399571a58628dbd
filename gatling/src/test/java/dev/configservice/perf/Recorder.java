package dev.configservice.perf;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.CheckBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-time-window statistics that Gatling's report does not compute: for each window of the run (a stress
 * level, a third of a soak, the baseline and overload phases) the accepted (2xx/3xx/404) count, the shed
 * (503) count, other errors, and millisecond histograms of accepted and shed latencies. A request belongs to
 * the window in which it was sent; requests sent between windows (ramps) are not counted.
 */
final class Recorder {
  private static final int MAX_MS = 60_000;

  record Window(String name, double targetRate, long fromMs, long toMs) {}

  record Summary(Window window, long accepted, long shed, long errors, int p50, int p99, int shedP99) {
    long total() {
      return accepted + shed + errors;
    }

    double seconds() {
      return (window.toMs() - window.fromMs()) / 1000.0;
    }

    double acceptedPerSec() {
      return accepted / seconds();
    }

    double sentPerSec() {
      return total() / seconds();
    }

    double shedPercent() {
      return total() == 0 ? 0 : 100.0 * shed / total();
    }

    double errorPercent() {
      return total() == 0 ? 0 : 100.0 * errors / total();
    }

    String line() {
      return String.format("%-14s target %8.1f/s  sent %8.1f/s  accepted %8.1f/s  shed(503) %6.2f%%  errors %6.2f%%  accepted p50 %5d ms  p99 %5d ms  503 p99 %5d ms",
          window.name(), window.targetRate(), sentPerSec(), acceptedPerSec(), shedPercent(), errorPercent(), p50, p99, shedP99);
    }
  }

  private static final class Stats {
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong shed = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLongArray acceptedMs = new AtomicLongArray(MAX_MS + 1);
    final AtomicLongArray shedMs = new AtomicLongArray(MAX_MS + 1);
  }

  private final List<Window> windows;
  private final Stats[] stats;
  private final AtomicLong startNanos = new AtomicLong();

  Recorder(List<Window> windows) {
    this.windows = List.copyOf(windows);
    this.stats = new Stats[windows.size()];
    for (int i = 0; i < stats.length; i++) {
      stats[i] = new Stats();
    }
  }

  /** Milliseconds since the first request of the run (the clock starts with the first call). */
  long elapsedMs() {
    long now = System.nanoTime();
    startNanos.compareAndSet(0, now);
    return (now - startNanos.get()) / 1_000_000;
  }

  /** Status -1 means no response (connection refused, reset, timeout). */
  void record(long sentMs, int status, int responseMs) {
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      if (sentMs >= w.fromMs() && sentMs < w.toMs()) {
        Stats s = stats[i];
        int ms = Math.max(0, Math.min(responseMs, MAX_MS));
        if (status == 503) {
          s.shed.incrementAndGet();
          s.shedMs.incrementAndGet(ms);
        } else if (status >= 200 && status < 500 && status != 429) {
          // 404 on a list page or 412 on a conditional write are answers, not failures of the service
          s.accepted.incrementAndGet();
          s.acceptedMs.incrementAndGet(ms);
        } else {
          s.errors.incrementAndGet();
        }
        return;
      }
    }
  }

  List<Summary> summaries() {
    List<Summary> out = new ArrayList<>();
    for (int i = 0; i < windows.size(); i++) {
      Stats s = stats[i];
      out.add(new Summary(windows.get(i), s.accepted.get(), s.shed.get(), s.errors.get(),
          percentile(s.acceptedMs, 50), percentile(s.acceptedMs, 99), percentile(s.shedMs, 99)));
    }
    return out;
  }

  static int percentile(AtomicLongArray hist, double p) {
    long total = 0;
    for (int i = 0; i < hist.length(); i++) {
      total += hist.get(i);
    }
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(total * p / 100.0);
    long seen = 0;
    for (int i = 0; i < hist.length(); i++) {
      seen += hist.get(i);
      if (seen >= rank) {
        return i;
      }
    }
    return MAX_MS;
  }

  /**
   * Wraps a request so that its send time, status and response time land in this recorder. The capturing
   * checks come first so they run even when a later validating check fails.
   */
  ChainBuilder timed(HttpRequestActionBuilder request, CheckBuilder... validations) {
    List<CheckBuilder> checks = new ArrayList<>();
    checks.add(status().saveAs("rec.status"));
    checks.add(responseTimeInMillis().saveAs("rec.ms"));
    checks.addAll(List.of(validations));
    return exec(session -> session.set("rec.sent", elapsedMs()))
        .exec(request.check(checks))
        .exec(session -> {
          int st = session.contains("rec.status") ? session.getInt("rec.status") : -1;
          int ms = session.contains("rec.ms") ? session.getInt("rec.ms") : MAX_MS;
          record(session.getLong("rec.sent"), st, ms);
          return session.remove("rec.status").remove("rec.ms").remove("rec.sent");
        });
  }
}
