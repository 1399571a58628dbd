package dev.configservice.domain;

/** The stored entry, and whether the write created the key (it was absent or deleted) rather than replaced it. */
public record PutResult(ConfigEntry entry, boolean created) {
}
