package dev.configservice.domain;

import java.util.Objects;

/** Published after every successful change: a new value or a deletion of {@code entry.key()} at {@code entry.version()}. */
public record ConfigChanged(ConfigEntry entry) {

  /** Event-bus address on which every change is published. */
  public static final String ADDRESS = "config.changed";

  public ConfigChanged {
    Objects.requireNonNull(entry, "entry");
  }
}
