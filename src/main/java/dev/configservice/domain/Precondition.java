package dev.configservice.domain;

/** What must be true of a key's current state for a write to go ahead (HTTP If-Match / If-None-Match). */
public sealed interface Precondition {

  /** Unconditional. */
  Precondition NONE = new None();
  /** The key must currently exist (If-Match: *). */
  Precondition EXISTS = new Exists();
  /** The key must not currently exist (If-None-Match: *). */
  Precondition ABSENT = new Absent();

  static Precondition versionIs(long version) {
    return new VersionIs(version);
  }

  /** True when a key whose current live version is {@code current} (0 = absent or deleted) satisfies this. */
  boolean allows(long current);

  record None() implements Precondition {
    @Override
    public boolean allows(long current) {
      return true;
    }
  }

  record Exists() implements Precondition {
    @Override
    public boolean allows(long current) {
      return current > 0;
    }
  }

  record Absent() implements Precondition {
    @Override
    public boolean allows(long current) {
      return current == 0;
    }
  }

  record VersionIs(long version) implements Precondition {
    @Override
    public boolean allows(long current) {
      return current == version;
    }
  }
}
