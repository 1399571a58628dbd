package dev.configservice.store.dynamodb;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the DynamoDB store.
 *
 * @param table                 table name (DYNAMODB_TABLE)
 * @param region                AWS region (AWS_REGION)
 * @param endpoint              endpoint override for emulators such as dynalite or LocalStack (DYNAMODB_ENDPOINT), or
 *                              {@code null} for the regional AWS endpoint
 * @param createTable           create the table at start when it is missing (CREATE_TABLE); production tables are
 *                              provisioned by infrastructure code and this stays false there
 * @param apiCallTimeout        bound on one SDK call including its retries (DYNAMODB_API_TIMEOUT)
 * @param apiCallAttemptTimeout bound on one HTTP attempt of an SDK call (DYNAMODB_ATTEMPT_TIMEOUT)
 * @param maxVersions           versions kept per key, tombstones included (MAX_VERSIONS)
 */
public record DynamoDbSettings(
    String table,
    String region,
    URI endpoint,
    boolean createTable,
    Duration apiCallTimeout,
    Duration apiCallAttemptTimeout,
    int maxVersions) {

  public static final Duration DEFAULT_API_CALL_TIMEOUT = Duration.ofSeconds(3);
  public static final Duration DEFAULT_API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(1);

  public DynamoDbSettings {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(apiCallTimeout, "apiCallTimeout");
    Objects.requireNonNull(apiCallAttemptTimeout, "apiCallAttemptTimeout");
    // DynamoDB table names: 3-255 characters of a-z A-Z 0-9 _ - .
    if (!table.matches("[A-Za-z0-9_.-]{3,255}")) {
      throw new IllegalArgumentException("DynamoDB table name must be 3-255 characters of A-Z a-z 0-9 _ - . but was '"
          + table + "'");
    }
    if (region.isBlank()) {
      throw new IllegalArgumentException("AWS region must not be blank");
    }
    if (apiCallTimeout.isNegative() || apiCallTimeout.isZero()) {
      throw new IllegalArgumentException("apiCallTimeout must be positive");
    }
    if (apiCallAttemptTimeout.isNegative() || apiCallAttemptTimeout.isZero()
        || apiCallAttemptTimeout.compareTo(apiCallTimeout) > 0) {
      throw new IllegalArgumentException("apiCallAttemptTimeout must be positive and at most apiCallTimeout");
    }
    if (maxVersions < 1) {
      throw new IllegalArgumentException("maxVersions must be >= 1, was " + maxVersions);
    }
    if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null)) {
      throw new IllegalArgumentException("DynamoDB endpoint must be an absolute URI such as http://127.0.0.1:8000, was "
          + endpoint);
    }
  }

  /** Settings with the default timeouts. */
  public static DynamoDbSettings of(String table, String region, URI endpoint, boolean createTable, int maxVersions) {
    return new DynamoDbSettings(table, region, endpoint, createTable, DEFAULT_API_CALL_TIMEOUT,
        DEFAULT_API_CALL_ATTEMPT_TIMEOUT, maxVersions);
  }
}
