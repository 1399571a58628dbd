package dev.configservice.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Every setting of the service, read once at start-up from environment variables and command-line flags
 * (see {@link SettingsParser}) and passed down; nothing else reads the environment.
 */
public record ServiceConfig(
    String host,
    int port,
    StoreKind store,
    Path dataDir,
    Durability durability,
    int maxValueBytes,
    int maxVersions,
    long cacheMaxEntries,
    long cacheMaxBytes,
    Duration cacheTtl,
    Duration cacheStaleIfError,
    int maxInFlight,
    long maxInFlightBytes,
    int maxHeapForWritesPercent,
    int maxConnections,
    Duration shedWriteLatency,
    int httpInstances,
    Duration storeTimeout,
    Duration idleTimeout,
    Duration shutdownTimeout,
    Duration readyInterval,
    LogFormat logFormat,
    String logLevel,
    DynamoDb dynamoDb,
    CloudWatch cloudWatch) {

  public enum StoreKind { EMBEDDED, DYNAMODB }

  public enum LogFormat { TEXT, JSON }

  /** When the embedded store acknowledges a write: after fsync, or once the OS has the write (process crash safe). */
  public enum Durability { FSYNC, PROCESS }

  /** Settings of the DynamoDB store; used only when {@code store} is DYNAMODB. */
  public record DynamoDb(String table, String region, URI endpoint, boolean createTable,
                         Duration apiCallTimeout, Duration apiCallAttemptTimeout) {
  }

  /** Publishing of metrics to CloudWatch as embedded-metric-format log lines. */
  public record CloudWatch(boolean enabled, String namespace, String serviceName, Duration interval) {
  }

  /** The largest request body accepted: the value limit plus room for the key and the JSON around them. */
  public int maxBodyBytes() {
    return maxValueBytes + 16 * 1024;
  }

  /** Whether writes go through the adaptive limit (SHED_WRITE_LATENCY is not off). */
  public boolean adaptiveWriteLimit() {
    return !shedWriteLatency.isZero();
  }

  /** The same settings with another port (tests and tools start on port 0). */
  public ServiceConfig withPort(int newPort) {
    return new ServiceConfig(host, newPort, store, dataDir, durability, maxValueBytes, maxVersions, cacheMaxEntries,
        cacheMaxBytes, cacheTtl, cacheStaleIfError, maxInFlight, maxInFlightBytes, maxHeapForWritesPercent, maxConnections, shedWriteLatency, httpInstances, storeTimeout, idleTimeout, shutdownTimeout, readyInterval, logFormat,
        logLevel, dynamoDb,
        cloudWatch);
  }
}
