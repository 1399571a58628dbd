-- Shared done(): one machine-readable line for run.sh (latencies in ms).
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  -- ok_rps counts only the answers that were not errors (2xx/3xx): a shed 503 is not throughput
  io.write(string.format("RESULT rps=%.1f ok_rps=%.1f p50=%.3f p99=%.3f requests=%d socket_errors=%d connect=%d read=%d write=%d timeout=%d non2xx=%d\n",
    summary.requests / secs, (summary.requests - e.status) / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write, e.timeout, e.status))
end
