package dev.configservice.store.dynamodb;

import dev.configservice.dynalite.Dynalite;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Opens stores on emulators, each on a table of its own so tests never see each other's items. */
final class TestStores {

  /** Emulators accept any signature; these are placeholders, not credentials. */
  static final AwsCredentialsProvider EMULATOR_CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("emulator", "emulator"));

  private static final AtomicInteger TABLES = new AtomicInteger();

  private TestStores() {
  }

  static String freshTable() {
    return "config-test-" + ProcessHandle.current().pid() + "-" + TABLES.incrementAndGet();
  }

  static DynamoDbSettings settings(URI endpoint, String table, int maxVersions, Duration apiTimeout,
      Duration attemptTimeout) {
    return new DynamoDbSettings(table, "us-east-1", endpoint, true, apiTimeout, attemptTimeout, maxVersions);
  }

  static Future<DynamoDbConfigStore> open(Vertx vertx, Dynalite dynalite, int maxVersions, MeterRegistry registry) {
    return open(vertx, dynalite, maxVersions, registry, Duration.ofSeconds(5), Duration.ofSeconds(2));
  }

  static Future<DynamoDbConfigStore> open(Vertx vertx, Dynalite dynalite, int maxVersions, MeterRegistry registry,
      Duration apiTimeout, Duration attemptTimeout) {
    return DynamoDbConfigStore.start(vertx, settings(dynalite.endpoint(), freshTable(), maxVersions, apiTimeout,
        attemptTimeout), Clock.systemUTC(), registry, EMULATOR_CREDENTIALS);
  }
}
