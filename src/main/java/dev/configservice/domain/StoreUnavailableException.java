package dev.configservice.domain;

import java.time.Duration;

/** The store cannot serve now (outage, throttling, shutting down); the caller may retry after {@link #retryAfter()}. */
public final class StoreUnavailableException extends ConfigException {

  private static final long serialVersionUID = 1L;
  private final Duration retryAfter;

  public StoreUnavailableException(String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.retryAfter = retryAfter;
  }

  public StoreUnavailableException(String message, Duration retryAfter) {
    this(message, retryAfter, null);
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
