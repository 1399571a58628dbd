package dev.configservice.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The instance's admission bounds, shared by every HTTP event loop: at most {@code maxInFlight} requests in progress
 * ({@code MAX_IN_FLIGHT}), and at most {@code maxBodyBytesInFlight} bytes of request bodies among them
 * ({@code MAX_IN_FLIGHT_BYTES}). A request beyond either gets a fast {@code 503} that changed nothing.
 *
 * <p>The byte bound is what keeps large writes from running the heap out: each accepted write holds its body and
 * a few copies of it (the parsed value, the stored record, the cached rendering) until it is answered, so 4,096
 * writes of 60 KiB in flight need about a gigabyte. A request counts the body it declares (Content-Length), or the
 * largest body accepted when it does not declare one (chunked); a request without a body counts nothing. One
 * request is always admitted when no body bytes are in flight, so that a body within the per-request limit is
 * never refused for its size alone.
 */
final class Admission implements AutoCloseable {

  private final int maxInFlight;
  private final long maxBodyBytesInFlight;
  private final long maxBodyBytes;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong bodyBytes = new AtomicLong();
  private final Counter shed;
  private final HeapPressure heap;

  /**
   * Bounds requests in progress and their bodies; with {@code maxHeapForWritesPercent} above 0, also refuses requests
   * with a body while the heap in use after the last collection is above that share of the maximum heap, and tells
   * {@code heapResponse} (the read cache gives memory back).
   */
  Admission(int maxInFlight, long maxBodyBytesInFlight, long maxBodyBytes, int maxHeapForWritesPercent,
            HeapPressure.Response heapResponse, MeterRegistry registry) {
    this(maxInFlight, maxBodyBytesInFlight, maxBodyBytes,
        new HeapPressure(maxHeapForWritesPercent, heapResponse, registry), registry);
  }

  Admission(int maxInFlight, long maxBodyBytesInFlight, long maxBodyBytes, HeapPressure heap, MeterRegistry registry) {
    this.maxInFlight = maxInFlight;
    this.maxBodyBytesInFlight = maxBodyBytesInFlight;
    this.maxBodyBytes = maxBodyBytes;
    this.shed = Counter.builder("config.http.shed")
        .description("requests refused with 503 because MAX_IN_FLIGHT requests or MAX_IN_FLIGHT_BYTES of request "
            + "bodies were in progress, or (requests with a body) the heap was above MAX_HEAP_FOR_WRITES")
        .register(registry);
    this.heap = heap;
    Gauge.builder("config.http.inflight.body.bytes", bodyBytes, AtomicLong::get)
        .description("request body bytes held by requests in progress (MAX_IN_FLIGHT_BYTES bounds them)")
        .baseUnit("bytes").register(registry);
  }

  /**
   * Admits {@code request}: returns the body bytes it holds (0 or more), to be given back to {@link #release} once it
   * is answered or its connection closes, or -1 when it must be refused (counted as shed).
   */
  long tryAdmit(HttpServerRequest request) {
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      shed.increment();
      return -1;
    }
    long bytes = bodyBytesOf(request);
    if (bytes > 0 && heap.high()) {
      inFlight.decrementAndGet();
      shed.increment();
      return -1;
    }
    long total = bytes > 0 ? bodyBytes.addAndGet(bytes) : 0;
    if (total > maxBodyBytesInFlight && total != bytes) {
      bodyBytes.addAndGet(-bytes);
      inFlight.decrementAndGet();
      shed.increment();
      return -1;
    }
    return bytes;
  }

  /** Gives back what {@link #tryAdmit} took; call once per admitted request. */
  void release(long bytes) {
    if (bytes > 0) {
      bodyBytes.addAndGet(-bytes);
    }
    inFlight.decrementAndGet();
  }

  /** The heap watch behind MAX_HEAP_FOR_WRITES. */
  HeapPressure heap() {
    return heap;
  }

  /** Stops watching the heap (the JVM's collectors would otherwise keep notifying a stopped instance). */
  @Override
  public void close() {
    heap.close();
  }

  /** The body a request will hold: its declared length, capped at the limit; the limit when undeclared. */
  private long bodyBytesOf(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        return Math.min(Math.max(0, Long.parseLong(length.trim())), maxBodyBytes);
      } catch (NumberFormatException e) {
        return maxBodyBytes;
      }
    }
    return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null ? maxBodyBytes : 0;
  }
}
