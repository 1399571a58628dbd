package dev.configservice.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.Page;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.PutResult;
import dev.configservice.dynalite.Dynalite;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Paths the contract does not reach: a write whose answer is lost, and listings through long runs of tombstones. */
class DynamoDbEdgeCasesTest {

  private static Dynalite dynalite;
  private Vertx vertx;
  private final List<Supplier<Future<?>>> closing = new ArrayList<>();

  @BeforeAll
  static void startDynalite() {
    dynalite = Dynalite.startInMemory();
  }

  @AfterAll
  static void stopDynalite() {
    if (dynalite != null) {
      dynalite.stop();
    }
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Supplier<Future<?>> close : closing) {
      await(close.get());
    }
    await(vertx.close());
  }

  @Test
  void aWriteWhoseAnswerIsLostIsAppliedOnceWhenTheSdkRetriesIt() throws Exception {
    // a proxy in front of dynalite that forwards every request but, for the chosen UpdateItem calls, drops the
    // connection instead of passing the answer back: DynamoDB applied the write, the client never heard
    AtomicInteger updates = new AtomicInteger();
    AtomicInteger dropped = new AtomicInteger();
    HttpClient upstream = vertx.createHttpClient();
    HttpServer proxy = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      boolean update = "DynamoDB_20120810.UpdateItem".equals(request.getHeader("X-Amz-Target"));
      int number = update ? updates.incrementAndGet() : 0;
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
          .setPort(dynalite.port()).setURI(request.uri()).setHeaders(request.headers());
      upstream.request(options)
          .compose(forward -> forward.send(body))
          .compose(response -> response.body().map(answer -> new Answer(response, answer)))
          .onComplete(answered -> {
            // drop the answer of the 1st and 3rd UpdateItem (the first attempt of each write below)
            if (number == 1 || number == 3) {
              dropped.incrementAndGet();
              request.connection().close();
              return;
            }
            if (answered.failed()) {
              request.response().setStatusCode(502).end();
              return;
            }
            Answer answer = answered.result();
            request.response().setStatusCode(answer.response().statusCode())
                .putHeader("Content-Type", answer.response().getHeader("Content-Type"))
                .putHeader("x-amzn-RequestId", String.valueOf(answer.response().getHeader("x-amzn-RequestId")))
                .end(answer.body());
          });
    }));
    await(proxy.listen(0, "127.0.0.1"));
    DynamoDbSettings settings = TestStores.settings(URI.create("http://127.0.0.1:" + proxy.actualPort()),
        TestStores.freshTable(), 10, Duration.ofSeconds(10), Duration.ofSeconds(5));
    DynamoDbConfigStore store = await(DynamoDbConfigStore.start(vertx, settings, Clock.systemUTC(),
        new SimpleMeterRegistry(), TestStores.EMULATOR_CREDENTIALS));
    closing.add(store::close);
    ConfigKey key = ConfigKey.of("lost/answer");

    PutResult first = await(store.put(key, "\"one\"", Precondition.NONE));
    PutResult second = await(store.put(key, "\"two\"", Precondition.versionIs(1)));

    assertThat(dropped.get()).isEqualTo(2);
    assertThat(updates.get()).as("each write was sent twice").isEqualTo(4);
    assertThat(first.entry().version()).isEqualTo(1);
    assertThat(first.created()).isTrue();
    // the retried conditional write is recognised as its own, not refused with 412
    assertThat(second.entry().version()).isEqualTo(2);
    assertThat(second.created()).isFalse();
    assertThat(await(store.history(key, 10, null)).items()).extracting(ConfigEntry::version).containsExactly(2L, 1L);
    assertThat(await(store.get(key))).get().extracting(ConfigEntry::valueJson).isEqualTo("\"two\"");
  }

  @Test
  void completionsComeBackOnTheCallersContextWhileTheSdkRunsOnItsOwnNettyThreads() throws Exception {
    DynamoDbConfigStore store = await(TestStores.open(vertx, dynalite, 3, new SimpleMeterRegistry()));
    closing.add(store::close);
    // one Netty for both: Vert.x 5.0.7 and the SDK's Netty client share the 4.2.9 jars (the enforcer pins them)
    assertThat(io.netty.util.Version.identify().get("netty-transport").artifactVersion()).isEqualTo("4.2.9.Final");
    assertThat(io.netty.util.Version.identify().get("netty-codec-http").artifactVersion()).isEqualTo("4.2.9.Final");

    Context caller = vertx.getOrCreateContext();
    Promise<List<String>> observed = Promise.promise();
    caller.runOnContext(v -> store.put(ConfigKey.of("ctx/k"), "1", Precondition.NONE)
        .compose(put -> store.get(ConfigKey.of("ctx/k")))
        .onComplete(read -> observed.complete(List.of(
            String.valueOf(Vertx.currentContext() == caller),
            Thread.currentThread().getName(),
            String.valueOf(read.succeeded())))));

    List<String> seen = await(observed.future());
    assertThat(seen.get(0)).as("completed on the caller's context").isEqualTo("true");
    assertThat(seen.get(1)).startsWith("vert.x-eventloop-thread-");
    assertThat(seen.get(2)).isEqualTo("true");
    // the SDK's I/O threads are its own, not Vert.x's event loops
    assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
        .anySatisfy(name -> assertThat(name).startsWith("aws-java-sdk-NettyEventLoop"));
  }

  @Test
  void aListingSkipsLongRunsOfTombstonesAcrossCalls() throws Exception {
    DynamoDbConfigStore store = await(TestStores.open(vertx, dynalite, 3, new SimpleMeterRegistry(),
        Duration.ofSeconds(20), Duration.ofSeconds(10)));
    closing.add(store::close);
    // more tombstones than one call reads (32 pages of limit + 1 = 2 items)
    int dead = 70;
    List<Future<PutResult>> puts = new ArrayList<>();
    for (int i = 0; i < dead; i++) {
      puts.add(store.put(ConfigKey.of(String.format("t/%03d", i)), "1", Precondition.NONE));
    }
    await(Future.all(puts));
    List<Future<ConfigEntry>> deletes = new ArrayList<>();
    for (int i = 0; i < dead; i++) {
      deletes.add(store.delete(ConfigKey.of(String.format("t/%03d", i)), Precondition.NONE));
    }
    await(Future.all(deletes));
    await(store.put(ConfigKey.of("t/zzz"), "\"alive\"", Precondition.NONE));

    List<String> seen = new ArrayList<>();
    int calls = 0;
    boolean sawShortPage = false;
    String cursor = null;
    do {
      Page<ConfigEntry> page = await(store.list("t/", 1, cursor));
      sawShortPage |= page.items().isEmpty() && page.hasMore();
      page.items().forEach(entry -> seen.add(entry.key().value()));
      cursor = page.nextCursor();
      calls++;
    } while (cursor != null && calls < 10);

    assertThat(seen).containsExactly("t/zzz");
    assertThat(sawShortPage).as("a call stopped after its page budget and handed a cursor on").isTrue();
    assertThat(calls).isBetween(2, 4);
  }

  private record Answer(HttpClientResponse response, io.vertx.core.buffer.Buffer body) {
  }

  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
