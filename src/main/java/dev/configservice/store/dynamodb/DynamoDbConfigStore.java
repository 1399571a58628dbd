package dev.configservice.store.dynamodb;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.ConfigNotFoundException;
import dev.configservice.domain.ConfigStore;
import dev.configservice.domain.Page;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.PreconditionFailedException;
import dev.configservice.domain.PutResult;
import dev.configservice.domain.StoreUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClientBuilder;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * {@link ConfigStore} on one DynamoDB table with a string partition key {@code pk} and a string sort key {@code sk}.
 *
 * <p>Items (see docs/dynamodb.md for the reasoning):
 * <ul>
 *   <li>head {@code pk = "K#"+key, sk = "H"}: the key's newest version (value or tombstone). A write claims the
 *       next version with one UpdateItem of the head ({@code ADD version 1}, the precondition as its condition),
 *       so two writers can never get the same version, whatever pruning has removed.</li>
 *   <li>version {@code pk = "K#"+key, sk = "V#"+20-digit version}: the history, written after the claim.</li>
 *   <li>listing {@code pk = "L", sk = key}: the newest version for prefix listings, updated only with a newer
 *       version ({@code version < :v}), so late or repeated updates never move it backwards.</li>
 * </ul>
 *
 * <p>Every SDK call has the client's call and attempt timeouts, and its completion is brought back to the caller's
 * Vert.x context.
 */
public final class DynamoDbConfigStore implements ConfigStore {

  private static final Logger LOG = LoggerFactory.getLogger(DynamoDbConfigStore.class);

  static final String PK = "pk";
  static final String SK = "sk";
  static final String VERSION = "version";
  static final String VALUE = "value";
  static final String DELETED = "deleted";
  static final String UPDATED_AT = "updatedAt";
  /** On the head: the id of the write that made it, so a write retried after a lost response knows it landed. */
  static final String WRITER = "writer";
  static final String HEAD_SK = "H";
  static final String VERSION_SK_PREFIX = "V#";
  static final String LISTING_PK = "L";

  /** Query pages one listing call may read while skipping tombstones before it answers a short page. */
  static final int MAX_LIST_PAGES = 32;
  /** Keys one BatchGetItem call may ask for (DynamoDB's limit). */
  static final int MAX_BATCH_GET = 100;
  private static final Duration TABLE_ACTIVE_WAIT = Duration.ofSeconds(60);

  private final Vertx vertx;
  private final DynamoDbAsyncClient client;
  private final AutoCloseable[] resources;
  private final DynamoDbSettings settings;
  private final Clock clock;
  private final AtomicBoolean closed = new AtomicBoolean();

  private DynamoDbConfigStore(Vertx vertx, DynamoDbAsyncClient client, AutoCloseable[] resources,
      DynamoDbSettings settings, Clock clock) {
    this.vertx = vertx;
    this.client = client;
    this.resources = resources;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * Builds the client with the default credential chain (environment, system properties, web identity, profile,
   * container and instance roles), creates the table when {@code settings.createTable()} asks for it, and answers the
   * store on the caller's context.
   */
  public static Future<DynamoDbConfigStore> start(Vertx vertx, DynamoDbSettings settings, Clock clock,
      MeterRegistry registry) {
    return start(vertx, settings, clock, registry, null);
  }

  /**
   * As {@link #start(Vertx, DynamoDbSettings, Clock, MeterRegistry)} with the given credentials provider (emulators in
   * tests); {@code null} selects the default chain with asynchronous refresh.
   */
  public static Future<DynamoDbConfigStore> start(Vertx vertx, DynamoDbSettings settings, Clock clock,
      MeterRegistry registry, AwsCredentialsProvider credentials) {
    Context context = vertx.getOrCreateContext();
    // building the client reads profile files and environment: keep it off the event loop
    Future<DynamoDbConfigStore> built = vertx.executeBlocking(() -> build(vertx, settings, clock, registry,
        credentials));
    return built.compose(store -> {
      if (!settings.createTable()) {
        return Future.succeededFuture(store);
      }
      return store.ensureTable(context)
          .map(store)
          .recover(error -> store.close().transform(ignored -> Future.failedFuture(
              DynamoDbErrors.map(error, "CreateTable"))));
    });
  }

  private static DynamoDbConfigStore build(Vertx vertx, DynamoDbSettings settings, Clock clock,
      MeterRegistry registry, AwsCredentialsProvider credentials) {
    // own small event-loop group: SDK I/O never runs on (or blocks) Vert.x's event loops
    SdkEventLoopGroup group = SdkEventLoopGroup.builder().numberOfThreads(2).build();
    SdkAsyncHttpClient http = NettyNioAsyncHttpClient.builder()
        .eventLoopGroup(group)
        .maxConcurrency(128)
        .connectionTimeout(settings.apiCallAttemptTimeout())
        .connectionAcquisitionTimeout(settings.apiCallAttemptTimeout())
        .build();
    AwsCredentialsProvider provider = credentials != null ? credentials
        : DefaultCredentialsProvider.builder().asyncCredentialUpdateEnabled(true).build();
    DynamoDbAsyncClientBuilder builder = DynamoDbAsyncClient.builder()
        .httpClient(http)
        .region(Region.of(settings.region()))
        .credentialsProvider(provider)
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .apiCallTimeout(settings.apiCallTimeout())
            .apiCallAttemptTimeout(settings.apiCallAttemptTimeout())
            .retryStrategy(retryStrategy())
            .addMetricPublisher(new RetryCountingPublisher(registry))
            .build());
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    DynamoDbAsyncClient client = builder.build();
    List<AutoCloseable> resources = new ArrayList<>();
    resources.add(client);
    resources.add(http);
    if (credentials == null && provider instanceof AutoCloseable closeable) {
      resources.add(closeable);
    }
    resources.add(() -> group.eventLoopGroup().shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS));
    return new DynamoDbConfigStore(vertx, client, resources.toArray(AutoCloseable[]::new), settings, clock);
  }

  /**
   * The SDK's standard retry strategy (3 attempts, token-bucket circuit breaker) with back-offs short enough that
   * the retries fit in the API call timeout: with the default one-second throttling base delay a throttled call
   * would end as a timeout and never be reported as throttling.
   */
  static RetryStrategy retryStrategy() {
    return AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(25), Duration.ofMillis(250)))
        .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(100), Duration.ofMillis(500)))
        .build();
  }

  // ---------------------------------------------------------------------------------------------------- reads

  @Override
  public Future<Optional<ConfigEntry>> get(ConfigKey key) {
    Context ctx = vertx.getOrCreateContext();
    return guard("GetItem", () -> readHead(ctx, key).map(head -> head == null || head.deleted()
        ? Optional.<ConfigEntry>empty() : Optional.of(head.toEntry(key))));
  }

  /**
   * The heads of {@code keys} by BatchGetItem (consistent reads, {@value #MAX_BATCH_GET} keys a call, the calls in
   * parallel): re-reading the cached keys of a busy instance costs one call per hundred keys instead of one each.
   * Keys DynamoDB leaves unprocessed (its 16 MB answer limit, or throughput) are left out of the answer.
   */
  @Override
  public Future<Map<ConfigKey, Optional<ConfigEntry>>> getMany(Collection<ConfigKey> keys) {
    Context ctx = vertx.getOrCreateContext();
    return guard("BatchGetItem", () -> {
      List<ConfigKey> distinct = List.copyOf(new LinkedHashSet<>(keys));
      List<Future<Map<ConfigKey, Optional<ConfigEntry>>>> calls = new ArrayList<>();
      for (int from = 0; from < distinct.size(); from += MAX_BATCH_GET) {
        calls.add(batchGetHeads(ctx, distinct.subList(from, Math.min(distinct.size(), from + MAX_BATCH_GET))));
      }
      return Future.join(calls).transform(done -> {
        Map<ConfigKey, Optional<ConfigEntry>> found = new HashMap<>();
        Throwable failure = null;
        for (Future<Map<ConfigKey, Optional<ConfigEntry>>> call : calls) {
          if (call.succeeded()) {
            found.putAll(call.result());
          } else if (failure == null) {
            failure = call.cause();
          }
        }
        return found.isEmpty() && failure != null ? Future.failedFuture(failure) : Future.succeededFuture(found);
      });
    });
  }

  private Future<Map<ConfigKey, Optional<ConfigEntry>>> batchGetHeads(Context ctx, List<ConfigKey> keys) {
    Map<String, ConfigKey> byPk = new HashMap<>();
    List<Map<String, AttributeValue>> itemKeys = new ArrayList<>(keys.size());
    for (ConfigKey key : keys) {
      String pk = versionPk(key);
      byPk.put(pk, key);
      itemKeys.add(Map.of(PK, s(pk), SK, s(HEAD_SK)));
    }
    String table = settings.table();
    return call(ctx, () -> client.batchGetItem(b -> b.requestItems(Map.of(table,
        KeysAndAttributes.builder().keys(itemKeys).consistentRead(true).build()))))
        .map(response -> {
          Map<ConfigKey, Optional<ConfigEntry>> found = new HashMap<>();
          for (ConfigKey key : keys) {
            found.put(key, Optional.empty()); // no item: never written
          }
          KeysAndAttributes unprocessed = response.unprocessedKeys().get(table);
          if (unprocessed != null) {
            for (Map<String, AttributeValue> itemKey : unprocessed.keys()) {
              found.remove(byPk.get(itemKey.get(PK).s()));
            }
          }
          for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
            ConfigKey key = byPk.get(item.get(PK).s());
            Stored head = Stored.from(item);
            if (key != null && found.containsKey(key)) {
              found.put(key, head.deleted() ? Optional.empty() : Optional.of(head.toEntry(key)));
            }
          }
          return found;
        });
  }

  @Override
  public Future<Optional<ConfigEntry>> getVersion(ConfigKey key, long version) {
    Context ctx = vertx.getOrCreateContext();
    if (version < 1) {
      return Future.succeededFuture(Optional.empty());
    }
    return guard("GetItem", () -> {
      Future<Stored> head = readHead(ctx, key);
      Future<Stored> item = getItem(ctx, versionPk(key), versionSk(version));
      return Future.all(head, item).map(done -> {
        Stored h = head.result();
        if (h == null || version > h.version() || version <= h.version() - settings.maxVersions()) {
          // never written, or beyond the retained window (pruned, or about to be)
          return Optional.<ConfigEntry>empty();
        }
        Stored found = item.result();
        if (found != null) {
          return Optional.of(found.toEntry(key));
        }
        // the head is written before its version item: it is the version until the item lands
        return version == h.version() ? Optional.of(h.toEntry(key)) : Optional.<ConfigEntry>empty();
      });
    });
  }

  @Override
  public Future<Page<ConfigEntry>> list(String prefix, int limit, String cursor) {
    Context ctx = vertx.getOrCreateContext();
    return guard("Query", () -> {
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be >= 1, was " + limit);
      }
      String after = cursor == null ? null : Cursors.decodeList(cursor, prefix);
      Map<String, AttributeValue> start = after == null ? null : Map.of(PK, s(LISTING_PK), SK, s(after));
      return listPages(ctx, prefix, limit, start, new ArrayList<>(), 0);
    });
  }

  private Future<Page<ConfigEntry>> listPages(Context ctx, String prefix, int limit,
      Map<String, AttributeValue> start, List<ConfigEntry> live, int pages) {
    Map<String, AttributeValue> values = new HashMap<>();
    Map<String, String> names = new HashMap<>();
    values.put(":pk", s(LISTING_PK));
    names.put("#pk", PK);
    String condition = "#pk = :pk";
    if (!prefix.isEmpty()) {
      condition += " AND begins_with(#sk, :prefix)";
      values.put(":prefix", s(prefix));
      names.put("#sk", SK);
    }
    // read one more live item than asked: it tells whether a next page exists without an empty last page
    int wanted = limit + 1 - live.size();
    QueryRequest request = QueryRequest.builder()
        .tableName(settings.table())
        .keyConditionExpression(condition)
        .expressionAttributeNames(names)
        .expressionAttributeValues(values)
        .consistentRead(true)
        .limit(wanted)
        .exclusiveStartKey(start)
        .build();
    return call(ctx, () -> client.query(request)).compose(response -> {
      for (Map<String, AttributeValue> item : response.items()) {
        Stored stored = Stored.from(item);
        if (!stored.deleted()) {
          live.add(stored.toEntry(ConfigKey.of(item.get(SK).s())));
        }
      }
      if (live.size() > limit) {
        List<ConfigEntry> page = live.subList(0, limit);
        return Future.succeededFuture(new Page<>(page,
            Cursors.listCursor(prefix, page.get(page.size() - 1).key().value())));
      }
      Map<String, AttributeValue> last = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? response.lastEvaluatedKey() : null;
      if (last == null) {
        return Future.succeededFuture(new Page<>(live, null));
      }
      if (pages + 1 >= MAX_LIST_PAGES) {
        // a long run of tombstones: answer what was found and let the caller continue after the last key read
        return Future.succeededFuture(new Page<>(live, Cursors.listCursor(prefix, last.get(SK).s())));
      }
      return listPages(ctx, prefix, limit, last, live, pages + 1);
    });
  }

  @Override
  public Future<Page<ConfigEntry>> history(ConfigKey key, int limit, String cursor) {
    Context ctx = vertx.getOrCreateContext();
    return guard("Query", () -> {
      if (limit < 1) {
        throw new IllegalArgumentException("limit must be >= 1, was " + limit);
      }
      long before = cursor == null ? Long.MAX_VALUE : Cursors.decodeHistory(cursor, key);
      Future<Stored> head = readHead(ctx, key);
      Map<String, AttributeValue> values = new HashMap<>();
      values.put(":pk", s(versionPk(key)));
      String condition;
      if (before == Long.MAX_VALUE) {
        condition = "#pk = :pk AND begins_with(#sk, :v)";
        values.put(":v", s(VERSION_SK_PREFIX));
      } else {
        // BETWEEN keeps the head item (sk "H", which sorts before "V#") out of the range
        condition = "#pk = :pk AND #sk BETWEEN :lo AND :hi";
        values.put(":lo", s(VERSION_SK_PREFIX));
        values.put(":hi", s(versionSk(before - 1)));
      }
      QueryRequest request = QueryRequest.builder()
          .tableName(settings.table())
          .keyConditionExpression(condition)
          .expressionAttributeNames(Map.of("#pk", PK, "#sk", SK))
          .expressionAttributeValues(values)
          .scanIndexForward(false)
          .consistentRead(true)
          .limit(limit + 1)
          .build();
      Future<QueryResponse> versions = call(ctx, () -> client.query(request));
      return Future.all(head, versions).map(done -> {
        Stored h = head.result();
        if (h == null) {
          return new Page<ConfigEntry>(List.of(), null);
        }
        long floor = h.version() - settings.maxVersions();
        List<ConfigEntry> entries = new ArrayList<>();
        for (Map<String, AttributeValue> item : versions.result().items()) {
          Stored stored = Stored.from(item);
          if (stored.version() <= floor) {
            break; // older versions are outside the retained window: pruned or about to be
          }
          if (stored.version() > h.version()) {
            continue; // cannot happen: a version item is only written after its head claim
          }
          entries.add(stored.toEntry(key));
        }
        // the head is written before its version item: until that lands the head stands in for it
        long newestItem = entries.isEmpty() ? 0 : entries.get(0).version();
        if (h.version() < before && h.version() > newestItem) {
          entries.add(0, h.toEntry(key));
        }
        if (entries.size() > limit) {
          List<ConfigEntry> page = entries.subList(0, limit);
          return new Page<>(page, Cursors.historyCursor(key, page.get(limit - 1).version()));
        }
        return new Page<>(entries, null);
      });
    });
  }

  // --------------------------------------------------------------------------------------------------- writes

  @Override
  public Future<PutResult> put(ConfigKey key, String valueJson, Precondition precondition) {
    Context ctx = vertx.getOrCreateContext();
    Objects.requireNonNull(valueJson, "valueJson");
    return guard("UpdateItem", () -> claim(ctx, key, valueJson, precondition));
  }

  @Override
  public Future<ConfigEntry> delete(ConfigKey key, Precondition precondition) {
    Context ctx = vertx.getOrCreateContext();
    return guard("UpdateItem", () -> {
      if (precondition instanceof Precondition.Absent) {
        // "delete only if absent" can never write: answer from the current state
        return readHead(ctx, key).compose(head -> Future.failedFuture(deleteRefusal(key, precondition, head)));
      }
      return claim(ctx, key, null, precondition).map(PutResult::entry);
    });
  }

  /**
   * Claims the next version of {@code key} and writes it ({@code valueJson == null} writes a tombstone) with one
   * conditional UpdateItem of the head item: {@code ADD version 1} is atomic, so concurrent writers get distinct
   * consecutive versions without reading first and without retries, and the precondition is part of the condition
   * expression, so a conditional writer that lost a race fails instead of overwriting. The old image tells the
   * version written and whether the write created the key.
   */
  private Future<PutResult> claim(Context ctx, ConfigKey key, String valueJson, Precondition precondition) {
    Instant now = Instant.ofEpochMilli(clock.millis());
    String live = "(attribute_exists(#pk) AND #del = :false)";
    String notLive = "(attribute_not_exists(#pk) OR #del = :true)";
    String condition;
    if (valueJson == null) {
      // a delete needs a live key whatever the precondition; a version adds to that
      condition = precondition instanceof Precondition.VersionIs ? live + " AND #ver = :expected" : live;
    } else if (precondition instanceof Precondition.Exists) {
      condition = live;
    } else if (precondition instanceof Precondition.Absent) {
      condition = notLive;
    } else if (precondition instanceof Precondition.VersionIs version) {
      condition = version.version() == 0 ? notLive : live + " AND #ver = :expected";
    } else {
      condition = null;
    }
    // The SDK retries an attempt whose answer was lost (timeout, closed connection) although DynamoDB may have
    // applied it; ADD is not idempotent, so each write carries an id and refuses to apply twice.
    String writer = UUID.randomUUID().toString();
    String once = "(attribute_not_exists(#wid) OR #wid <> :wid)";
    condition = condition == null ? once : condition + " AND " + once;
    String update = valueJson != null
        ? "SET #val = :val, #at = :at, #del = :false, #wid = :wid ADD #ver :one"
        : "SET #at = :at, #del = :true, #wid = :wid REMOVE #val ADD #ver :one";
    Map<String, String> names = new HashMap<>();
    Map<String, AttributeValue> values = new HashMap<>();
    String expressions = update + " " + condition;
    putIfUsed(names, expressions, "#pk", PK);
    putIfUsed(names, expressions, "#ver", VERSION);
    putIfUsed(names, expressions, "#val", VALUE);
    putIfUsed(names, expressions, "#del", DELETED);
    putIfUsed(names, expressions, "#at", UPDATED_AT);
    names.put("#wid", WRITER);
    values.put(":wid", s(writer));
    putIfUsed(values, expressions, ":one", n(1));
    putIfUsed(values, expressions, ":false", AttributeValue.fromBool(false));
    putIfUsed(values, expressions, ":true", AttributeValue.fromBool(true));
    putIfUsed(values, expressions, ":at", n(now.toEpochMilli()));
    if (valueJson != null) {
      values.put(":val", s(valueJson));
    }
    if (precondition instanceof Precondition.VersionIs version && condition.contains(":expected")) {
      values.put(":expected", n(version.version()));
    }
    UpdateItemRequest request = UpdateItemRequest.builder()
        .tableName(settings.table())
        .key(Map.of(PK, s(versionPk(key)), SK, s(HEAD_SK)))
        .updateExpression(update)
        .conditionExpression(condition)
        .expressionAttributeNames(names)
        .expressionAttributeValues(values)
        .returnValues(ReturnValue.ALL_OLD)
        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
        .build();
    return call(ctx, () -> client.updateItem(request)).transform(claimed -> {
      if (claimed.succeeded()) {
        UpdateItemResponse response = claimed.result();
        Stored old = response.hasAttributes() && !response.attributes().isEmpty()
            ? Stored.from(response.attributes()) : null;
        Stored written = new Stored(old == null ? 1 : old.version() + 1, valueJson, now);
        boolean created = old == null || old.deleted();
        return afterClaim(ctx, key, written).map(new PutResult(written.toEntry(key), created));
      }
      Throwable cause = DynamoDbErrors.unwrap(claimed.cause());
      if (!(cause instanceof ConditionalCheckFailedException lost)) {
        return Future.failedFuture(cause);
      }
      Future<Stored> current = lost.hasItem() && !lost.item().isEmpty()
          ? Future.succeededFuture(Stored.from(lost.item()))
          : readHead(ctx, key); // dynalite does not send the ALL_OLD image of a failed condition
      return current.compose(head -> {
        if (head != null && writer.equals(head.writer())) {
          // an earlier attempt of this very write landed and its answer was lost: report that write
          return landed(ctx, key, head);
        }
        return Future.failedFuture(valueJson == null
            ? deleteRefusal(key, precondition, head)
            : new PreconditionFailedException(key, precondition, liveVersion(head)));
      });
    });
  }

  /** Completes a write found applied on the head by a retry: finishes its items and works out whether it created. */
  private Future<PutResult> landed(Context ctx, ConfigKey key, Stored head) {
    Stored written = new Stored(head.version(), head.value(), head.updatedAt());
    Future<Boolean> created = head.version() == 1 ? Future.succeededFuture(true)
        : getItem(ctx, versionPk(key), versionSk(head.version() - 1))
            // the previous version tells; when it is already pruned, assume the key existed
            .map(previous -> previous != null && previous.deleted());
    return created.compose(wasCreated -> afterClaim(ctx, key, written)
        .map(new PutResult(written.toEntry(key), wasCreated)));
  }

  /** Why a delete whose condition failed (or cannot hold) against {@code head} did not happen. */
  private static RuntimeException deleteRefusal(ConfigKey key, Precondition precondition, Stored head) {
    long current = liveVersion(head);
    if (current == 0 && !(precondition instanceof Precondition.VersionIs)
        && !(precondition instanceof Precondition.Exists)) {
      return new ConfigNotFoundException(key);
    }
    return new PreconditionFailedException(key, precondition, current);
  }

  private static long liveVersion(Stored head) {
    return head == null || head.deleted() ? 0 : head.version();
  }

  private static <V> void putIfUsed(Map<String, V> map, String expressions, String placeholder, V value) {
    // DynamoDB refuses names and values that no expression uses
    if (expressions.contains(placeholder)) {
      map.put(placeholder, value);
    }
  }

  /** Writes the history item and the listing item of a claimed version, then prunes the history. */
  private Future<Void> afterClaim(Context ctx, ConfigKey key, Stored written) {
    Future<Void> history = call(ctx, () -> client.putItem(PutItemRequest.builder()
        .tableName(settings.table())
        .item(written.toItem(versionPk(key), versionSk(written.version())))
        .build())).mapEmpty();
    Future<Void> listing = call(ctx, () -> client.putItem(PutItemRequest.builder()
        .tableName(settings.table())
        .item(written.toItem(LISTING_PK, key.value()))
        .conditionExpression("attribute_not_exists(#ver) OR #ver < :v")
        .expressionAttributeNames(Map.of("#ver", VERSION))
        .expressionAttributeValues(Map.of(":v", n(written.version())))
        .build()))
        .<Void>mapEmpty()
        // a newer version already reached the listing item: nothing to do
        .recover(error -> DynamoDbErrors.unwrap(error) instanceof ConditionalCheckFailedException
            ? Future.succeededFuture() : Future.failedFuture(error));
    return Future.all(history, listing).onSuccess(done -> prune(ctx, key, written.version())).mapEmpty();
  }

  /**
   * Deletes the version that fell out of the retained window. Reads hide versions outside the window anyway, so
   * this only reclaims space and is not awaited; a failure leaves an invisible item behind.
   */
  private void prune(Context ctx, ConfigKey key, long newest) {
    long expired = newest - settings.maxVersions();
    if (expired < 1 || closed.get()) {
      return;
    }
    call(ctx, () -> client.deleteItem(b -> b.tableName(settings.table())
        .key(Map.of(PK, s(versionPk(key)), SK, s(versionSk(expired))))))
        .onFailure(error -> LOG.debug("pruning version {} of '{}' failed: {}", expired, key.value(),
            DynamoDbErrors.unwrap(error).toString()));
  }

  // ------------------------------------------------------------------------------------------ health and life

  @Override
  public Future<Void> ping() {
    Context ctx = vertx.getOrCreateContext();
    return guard("DescribeTable", () -> call(ctx, () -> client.describeTable(b -> b.tableName(settings.table())))
        .compose(response -> {
          TableStatus status = response.table().tableStatus();
          if (status == TableStatus.ACTIVE || status == TableStatus.UPDATING) {
            return Future.succeededFuture();
          }
          return Future.failedFuture(new StoreUnavailableException(
              "DynamoDB table " + settings.table() + " is " + status, DynamoDbErrors.RETRY_AFTER));
        }));
  }

  @Override
  public Future<Void> close() {
    if (!closed.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    // closing the HTTP client waits for its connections: a blocking step
    return vertx.executeBlocking(() -> {
      for (AutoCloseable resource : resources) {
        try {
          resource.close();
        } catch (Exception e) {
          LOG.warn("closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
        }
      }
      return null;
    });
  }

  private Future<Void> ensureTable(Context ctx) {
    return call(ctx, () -> client.describeTable(b -> b.tableName(settings.table())))
        .<Void>mapEmpty()
        .recover(error -> {
          if (!(DynamoDbErrors.unwrap(error) instanceof ResourceNotFoundException)) {
            return Future.failedFuture(error);
          }
          LOG.info("creating DynamoDB table {} (pk, sk; on demand)", settings.table());
          return call(ctx, () -> client.createTable(b -> b.tableName(settings.table())
              // a control-plane call: it may take far longer than a data-plane attempt is allowed
              .overrideConfiguration(o -> o.apiCallTimeout(TABLE_ACTIVE_WAIT).apiCallAttemptTimeout(TABLE_ACTIVE_WAIT))
              .billingMode(BillingMode.PAY_PER_REQUEST)
              .attributeDefinitions(
                  AttributeDefinition.builder().attributeName(PK).attributeType(ScalarAttributeType.S).build(),
                  AttributeDefinition.builder().attributeName(SK).attributeType(ScalarAttributeType.S).build())
              .keySchema(
                  KeySchemaElement.builder().attributeName(PK).keyType(KeyType.HASH).build(),
                  KeySchemaElement.builder().attributeName(SK).keyType(KeyType.RANGE).build())))
              .<Void>mapEmpty()
              // another instance created it first
              .recover(e -> DynamoDbErrors.unwrap(e) instanceof ResourceInUseException
                  ? Future.succeededFuture() : Future.failedFuture(e));
        })
        .compose(created -> awaitActive(ctx, System.nanoTime() + TABLE_ACTIVE_WAIT.toNanos()));
  }

  private Future<Void> awaitActive(Context ctx, long deadline) {
    return call(ctx, () -> client.describeTable(b -> b.tableName(settings.table()))).compose(response -> {
      if (response.table().tableStatus() == TableStatus.ACTIVE) {
        return Future.succeededFuture();
      }
      if (System.nanoTime() > deadline) {
        return Future.failedFuture(new StoreUnavailableException("DynamoDB table " + settings.table()
            + " did not become ACTIVE within " + TABLE_ACTIVE_WAIT, DynamoDbErrors.RETRY_AFTER));
      }
      Promise<Void> later = Promise.promise();
      ctx.runOnContext(v -> vertx.setTimer(500, id -> awaitActive(ctx, deadline).onComplete(later)));
      return later.future();
    });
  }

  // ------------------------------------------------------------------------------------------------- plumbing

  /** Runs one public operation: refuses after close, maps every failure to the domain's exceptions. */
  private <T> Future<T> guard(String operation, Supplier<Future<T>> body) {
    if (closed.get()) {
      return Future.failedFuture(new StoreUnavailableException("store is closed", DynamoDbErrors.RETRY_AFTER));
    }
    Future<T> result;
    try {
      result = body.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.recover(error -> Future.failedFuture(DynamoDbErrors.map(error, operation)));
  }

  /** One SDK call whose completion (success or the unwrapped SDK failure) comes back on {@code ctx}. */
  private <T> Future<T> call(Context ctx, Supplier<CompletableFuture<T>> request) {
    CompletableFuture<T> future;
    try {
      future = request.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return Future.fromCompletionStage(future, ctx)
        .recover(error -> Future.failedFuture(DynamoDbErrors.unwrap(error)));
  }

  private Future<Stored> readHead(Context ctx, ConfigKey key) {
    return getItem(ctx, versionPk(key), HEAD_SK);
  }

  private Future<Stored> getItem(Context ctx, String pk, String sk) {
    return call(ctx, () -> client.getItem(b -> b.tableName(settings.table())
        .key(Map.of(PK, s(pk), SK, s(sk)))
        .consistentRead(true)))
        .map(DynamoDbConfigStore::storedOrNull);
  }

  private static Stored storedOrNull(GetItemResponse response) {
    return response.hasItem() && !response.item().isEmpty() ? Stored.from(response.item()) : null;
  }

  static String versionPk(ConfigKey key) {
    return "K#" + key.value();
  }

  static String versionSk(long version) {
    // zero-padded so that string order is version order
    return VERSION_SK_PREFIX + String.format("%020d", version);
  }

  static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  /** One stored version as the head, version and listing items all hold it; {@code value == null} is a tombstone. */
  record Stored(long version, String value, Instant updatedAt, String writer) {

    Stored(long version, String value, Instant updatedAt) {
      this(version, value, updatedAt, null);
    }

    boolean deleted() {
      return value == null;
    }

    ConfigEntry toEntry(ConfigKey key) {
      return new ConfigEntry(key, version, value, updatedAt);
    }

    Map<String, AttributeValue> toItem(String pk, String sk) {
      Map<String, AttributeValue> item = new HashMap<>();
      item.put(PK, s(pk));
      item.put(SK, s(sk));
      item.put(VERSION, n(version));
      item.put(UPDATED_AT, n(updatedAt.toEpochMilli()));
      item.put(DELETED, AttributeValue.fromBool(value == null));
      if (value != null) {
        item.put(VALUE, s(value));
      }
      return item;
    }

    static Stored from(Map<String, AttributeValue> item) {
      AttributeValue deleted = item.get(DELETED);
      boolean tombstone = deleted != null && Boolean.TRUE.equals(deleted.bool());
      AttributeValue value = item.get(VALUE);
      return new Stored(
          Long.parseLong(item.get(VERSION).n()),
          tombstone || value == null ? null : value.s(),
          Instant.ofEpochMilli(Long.parseLong(item.get(UPDATED_AT).n())),
          item.containsKey(WRITER) ? item.get(WRITER).s() : null);
    }
  }
}
