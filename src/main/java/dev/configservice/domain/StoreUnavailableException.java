package dev.configservice.domain;

import java.time.Duration;

/** The store cannot serve now (outage, throttling, shutting down); the caller may retry after {@link #retryAfter()}. */
public final class StoreUnavailableException extends ConfigException {

  private static final long serialVersionUID = 1L;
  private final Duration retryAfter;
  private final boolean throttled;

  public StoreUnavailableException(String message, Duration retryAfter, Throwable cause) {
    this(message, retryAfter, cause, false);
  }

  private StoreUnavailableException(String message, Duration retryAfter, Throwable cause, boolean throttled) {
    super(message, cause);
    this.retryAfter = retryAfter;
    this.throttled = throttled;
  }

  /** The store refused the call for exceeding its capacity (e.g. DynamoDB throttling). */
  public static StoreUnavailableException throttled(String message, Duration retryAfter, Throwable cause) {
    return new StoreUnavailableException(message, retryAfter, cause, true);
  }

  public boolean throttled() {
    return throttled;
  }

  public StoreUnavailableException(String message, Duration retryAfter) {
    this(message, retryAfter, null);
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
