package dev.configservice.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One timer per event loop for every call's deadline: each call still times out at its own deadline. */
class CallDeadlinesTest {

  private static final long TIMEOUT_MS = 200;

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final CallDeadlines deadlines = new CallDeadlines(vertx, context, TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS));

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void eachCallTimesOutAtItsOwnDeadlineAndAnAnsweredOneNever() throws Exception {
    Map<String, Long> timedOutAfterMs = new ConcurrentHashMap<>();
    CompletableFuture<Void> bothTimedOut = new CompletableFuture<>();
    long start = System.nanoTime();
    Runnable[] answerSecond = new Runnable[1];
    context.runOnContext(v -> {
      track("first", start, timedOutAfterMs, bothTimedOut);
      vertx.setTimer(50, id -> {
        CallDeadlines.Call second = deadlines.add(Promise.promise(), () -> timedOutAfterMs.put("second", -1L));
        answerSecond[0] = () -> deadlines.answered(second);
      });
      vertx.setTimer(100, id -> track("third", start, timedOutAfterMs, bothTimedOut));
      vertx.setTimer(120, id -> answerSecond[0].run());
    });

    bothTimedOut.get(10, TimeUnit.SECONDS);
    Thread.sleep(100);
    assertThat(timedOutAfterMs).containsOnlyKeys("first", "third");
    assertThat(timedOutAfterMs.get("first")).isBetween(TIMEOUT_MS, TIMEOUT_MS + 100);
    // Not at the first call's timer: at its own deadline, 100 ms later.
    assertThat(timedOutAfterMs.get("third")).isBetween(100 + TIMEOUT_MS, 100 + TIMEOUT_MS + 100);
    assertThat(sizeOnContext()).isZero();
  }

  @Test
  void aCallAnsweredOnAnotherThreadIsForgottenOnTheEventLoop() throws Exception {
    CompletableFuture<CallDeadlines.Call> added = new CompletableFuture<>();
    Promise<Void> promise = Promise.promise();
    context.runOnContext(v -> added.complete(deadlines.add(promise, () -> promise.tryFail("timed out"))));
    CallDeadlines.Call call = added.get(10, TimeUnit.SECONDS);
    assertThat(sizeOnContext()).isEqualTo(1);

    promise.complete();
    deadlines.answered(call); // from the test's thread

    assertThat(sizeOnContext()).isZero();
    Thread.sleep(TIMEOUT_MS + 100);
    assertThat(promise.future().succeeded()).isTrue();
  }

  @Test
  void aThousandAnsweredCallsLeaveNothingBehind() throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger timeouts = new AtomicInteger();
    context.runOnContext(v -> {
      for (int i = 0; i < 1000; i++) {
        Promise<Void> p = Promise.promise();
        CallDeadlines.Call call = deadlines.add(p, timeouts::incrementAndGet);
        // Answered in an order other than their deadlines'.
        vertx.setTimer(1 + (i * 7919L) % 50, id -> {
          p.complete();
          deadlines.answered(call);
        });
      }
      vertx.setTimer(100, id -> done.complete(null));
    });
    done.get(10, TimeUnit.SECONDS);
    assertThat(sizeOnContext()).isZero();
    Thread.sleep(TIMEOUT_MS + 100);
    assertThat(timeouts).hasValue(0);
  }

  private void track(String name, long start, Map<String, Long> timedOut, CompletableFuture<Void> bothTimedOut) {
    deadlines.add(Promise.promise(), () -> {
      timedOut.put(name, Duration.ofNanos(System.nanoTime() - start).toMillis());
      if (timedOut.containsKey("first") && timedOut.containsKey("third")) {
        bothTimedOut.complete(null);
      }
    });
  }

  private int sizeOnContext() throws Exception {
    CompletableFuture<Integer> size = new CompletableFuture<>();
    context.runOnContext(v -> size.complete(deadlines.size()));
    return size.get(10, TimeUnit.SECONDS);
  }
}
