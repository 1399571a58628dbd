package dev.configservice.perf;

import java.util.Map;
import java.util.TreeMap;

/**
 * One scrape of the service's Prometheus /metrics, reduced to what the soak compares: heap in use (all heap
 * pools summed) and the server-side HTTP latency histogram (cumulative buckets summed over method, code and
 * route, /metrics itself excluded).
 */
record MetricsSample(long atMs, double heapBytes, TreeMap<Double, Double> latencyBuckets) {

  static final String HEAP = "jvm_memory_used_bytes{";
  static final String LATENCY = "vertx_http_server_response_time_seconds_bucket{";

  static MetricsSample parse(long atMs, String body) {
    double heap = 0;
    boolean sawHeap = false;
    TreeMap<Double, Double> buckets = new TreeMap<>();
    for (String line : body.split("\n")) {
      if (line.startsWith(HEAP) && line.contains("area=\"heap\"")) {
        heap += value(line);
        sawHeap = true;
      } else if (line.startsWith(LATENCY) && !line.contains("/metrics")) {
        int i = line.indexOf("le=\"");
        if (i < 0) {
          continue;
        }
        String le = line.substring(i + 4, line.indexOf('"', i + 4));
        double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
        buckets.merge(bound, value(line), Double::sum);
      }
    }
    return new MetricsSample(atMs, sawHeap ? heap : Double.NaN, buckets);
  }

  private static double value(String line) {
    // "name{labels} value [timestamp]": the value follows the closing brace
    String rest = line.substring(line.lastIndexOf('}') + 1).trim();
    int sp = rest.indexOf(' ');
    return Double.parseDouble(sp < 0 ? rest : rest.substring(0, sp));
  }

  /**
   * p-th percentile upper bound, in milliseconds, of the requests counted between two cumulative
   * snapshots; NaN when no request was counted (or the histogram is missing).
   */
  static double percentileMs(MetricsSample from, MetricsSample to, double p) {
    TreeMap<Double, Double> diff = new TreeMap<>();
    for (Map.Entry<Double, Double> e : to.latencyBuckets.entrySet()) {
      diff.put(e.getKey(), e.getValue() - from.latencyBuckets.getOrDefault(e.getKey(), 0.0));
    }
    if (diff.isEmpty()) {
      return Double.NaN;
    }
    double total = diff.lastEntry().getValue();
    if (total <= 0) {
      return Double.NaN;
    }
    for (Map.Entry<Double, Double> e : diff.entrySet()) {
      if (e.getValue() >= total * p / 100.0) {
        return e.getKey() * 1000.0;
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
