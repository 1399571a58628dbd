package dev.configservice.domain;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * One version of one key. {@code valueJson} is the value as compact JSON text, or {@code null} when this
 * version is a deletion (a tombstone).
 */
public record ConfigEntry(ConfigKey key, long version, String valueJson, Instant updatedAt) {

  public ConfigEntry {
    Objects.requireNonNull(key, "key");
    // Millisecond precision everywhere, so an entry reads back equal from any store.
    updatedAt = Objects.requireNonNull(updatedAt, "updatedAt").truncatedTo(ChronoUnit.MILLIS);
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, was " + version);
    }
  }

  public static ConfigEntry value(ConfigKey key, long version, String valueJson, Instant updatedAt) {
    return new ConfigEntry(key, version, Objects.requireNonNull(valueJson, "valueJson"), updatedAt);
  }

  public static ConfigEntry tombstone(ConfigKey key, long version, Instant deletedAt) {
    return new ConfigEntry(key, version, null, deletedAt);
  }

  public boolean deleted() {
    return valueJson == null;
  }
}
