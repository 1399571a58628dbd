package dev.configservice.domain;

/** Base of the failures that the domain reports; adapters map each kind to a client-facing answer. */
public abstract class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  protected ConfigException(String message) {
    // Expected outcomes (not found, conflicts) are frequent and need no stack trace.
    super(message, null, false, false);
  }

  protected ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
