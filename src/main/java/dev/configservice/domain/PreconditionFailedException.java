package dev.configservice.domain;

/** A conditional write lost: the key's current version is not what the caller required. */
public final class PreconditionFailedException extends ConfigException {

  private static final long serialVersionUID = 1L;
  private final long currentVersion;

  /** @param currentVersion the key's current live version, 0 when absent or deleted */
  public PreconditionFailedException(ConfigKey key, Precondition required, long currentVersion) {
    super(describe(key, required, currentVersion));
    this.currentVersion = currentVersion;
  }

  public long currentVersion() {
    return currentVersion;
  }

  private static String describe(ConfigKey key, Precondition required, long current) {
    String state = current == 0 ? "does not exist" : "is at version " + current;
    String wanted;
    if (required instanceof Precondition.VersionIs v) {
      wanted = "version " + v.version();
    } else if (required instanceof Precondition.Exists) {
      wanted = "an existing key";
    } else if (required instanceof Precondition.Absent) {
      wanted = "an absent key";
    } else {
      wanted = "nothing";
    }
    return "key '" + key.value() + "' " + state + "; the request required " + wanted;
  }
}
