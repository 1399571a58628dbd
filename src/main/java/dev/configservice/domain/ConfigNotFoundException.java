package dev.configservice.domain;

/** The key (or version) does not exist. */
public final class ConfigNotFoundException extends ConfigException {

  private static final long serialVersionUID = 1L;

  public ConfigNotFoundException(ConfigKey key) {
    super("no configuration for key '" + key.value() + "'");
  }
}
